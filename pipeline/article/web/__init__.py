"""Web pages: an article's structure out of its markup (`page.extract_article`), one method for every site."""

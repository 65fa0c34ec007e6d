"""Article: parse a decoded text into title, lead, body and parts, and clean boilerplate by rules."""

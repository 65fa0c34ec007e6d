"""Shingles, signatures and similarity of pipeline/minhash.py on literal texts."""

from __future__ import annotations

import numpy as np

from pipeline import minhash
from pipeline.minhash import MinHashParams

STORY = (
    "The city council voted on Tuesday to close the old harbour bridge to cars from next spring, "
    "after engineers warned that its steel frame had corroded faster than expected. Cyclists and "
    "walkers will still be able to cross while the council looks for money to rebuild it."
)


def test_same_word_five_gram_hashes_the_same_wherever_it_stands():
    flat, offsets = minhash.shingle_hashes(["a b c d e f", "x a b c d e"], 5)
    first, second = flat[offsets[0] : offsets[1]], flat[offsets[1] : offsets[2]]
    assert len(first) == 2 and len(second) == 2
    assert first[0] == second[1]  # "a b c d e"
    assert first[1] != second[0]


def test_case_punctuation_and_spacing_do_not_change_shingles():
    a = minhash.shingle_hashes(["Harbour bridge, closed: engineers warn!"], 5)[0]
    b = minhash.shingle_hashes(["harbour   BRIDGE closed engineers\nwarn"], 5)[0]
    assert np.array_equal(a, b)


def test_non_ascii_text_shingles_like_its_compatibility_form():
    a = minhash.shingle_hashes(["Straße café ﬁnal vote today"], 5)[0]
    b = minhash.shingle_hashes(["STRASSE CAFÉ final vote today"], 5)[0]
    assert np.array_equal(a, b)


def test_text_shorter_than_a_shingle_is_one_shingle():
    flat, offsets = minhash.shingle_hashes(["two words"], 5)
    assert list(offsets) == [0, 1]


def test_exact_jaccard_of_shingle_sets():
    flat, offsets = minhash.shingle_hashes(["a b c d e f g", "a b c d e f h"], 5)
    # shingles: {abcde, bcdef, cdefg} vs {abcde, bcdef, cdefh}: 2 shared of 4
    assert minhash.jaccard(flat[offsets[0] : offsets[1]], flat[offsets[1] : offsets[2]]) == 0.5


def test_signature_estimate_tracks_the_true_similarity():
    params = MinHashParams()
    edited = STORY.replace("Tuesday", "Wednesday")
    sigs = minhash.signatures([STORY, edited, "Something else entirely, about football and the weather."], params)
    assert sigs.shape == (3, params.permutations) and sigs.dtype == np.uint32
    flat, offsets = minhash.shingle_hashes([STORY, edited], 5)
    true = minhash.jaccard(flat[offsets[0] : offsets[1]], flat[offsets[1] : offsets[2]])
    assert abs(minhash.estimate_similarity(sigs[0], sigs[1]) - true) < 0.15
    assert minhash.estimate_similarity(sigs[0], sigs[2]) < 0.1


def test_identical_texts_share_every_band_key_and_unrelated_ones_none():
    params = MinHashParams()
    sigs = minhash.signatures([STORY, STORY, "Cats sleep most of the day, vets say."], params)
    keys = minhash.band_keys(sigs, params)
    assert keys.shape == (3, params.bands)
    assert np.array_equal(keys[0], keys[1])
    assert not set(keys[0]) & set(keys[2])


def test_signatures_are_reproducible_across_batches():
    params = MinHashParams()
    alone = minhash.signatures([STORY], params)
    batched = minhash.signatures(["Another story, another day.", STORY], params)
    assert np.array_equal(alone[0], batched[1])

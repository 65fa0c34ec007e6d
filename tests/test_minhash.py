"""Shingles, signatures and similarity of pipeline/minhash.py on literal texts."""

from __future__ import annotations

import numpy as np

from pipeline.dedup import minhash
from pipeline.dedup.minhash import MinHashParams

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


def _polynomial_hash(text: str) -> int:
    """What a shingle hash is, spelled out: sum of UTF-8 bytes b[i] * 0x100000001B3**i modulo 2**64,
    through splitmix64's finalizer. Persisted dedup indexes hold band keys made from these values."""
    mask = (1 << 64) - 1
    x = sum(b * pow(0x100000001B3, i, 1 << 64) for i, b in enumerate(text.encode("utf-8"))) & mask
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & mask
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & mask
    return x ^ (x >> 31)


def test_shingle_hash_is_the_mixed_polynomial_hash_of_its_words_joined_by_spaces():
    flat, offsets = minhash.shingle_hashes(["The quick, brown fox jumps over", "Straße ﬁnal: Ünïcode 𝐇𝐢 ٣٤ end"], 5)
    expected = [
        "the quick brown fox jumps",
        "quick brown fox jumps over",
        "strasse final ünïcode hi ٣٤",
        "final ünïcode hi ٣٤ end",
    ]
    assert list(offsets) == [0, 2, 4]
    assert flat.tolist() == [_polynomial_hash(text) for text in expected]


def test_text_without_words_is_one_shingle_of_the_empty_text():
    flat, offsets = minhash.shingle_hashes(["", "-- !!! --", "a b c d e"], 5)
    assert list(offsets) == [0, 1, 2, 3]
    assert flat[0] == flat[1] == _polynomial_hash("") == 0


def test_words_are_runs_of_letters_digits_and_underscores_of_any_script():
    # NBSP, em dash, apostrophe, a combining mark that composes with nothing and a zero-width space
    # all end a word; "_" and digits of other scripts do not.
    odd = "snake_case\u00a0x\u0301y don\u2019t\u2014ok a\u200bb ٣٤"
    plain = "snake_case x y don t ok a b ٣٤"
    assert np.array_equal(minhash.shingle_hashes([odd], 1)[0], minhash.shingle_hashes([plain], 1)[0])


def test_shingles_do_not_depend_on_the_width_of_the_strings_characters():
    # The same words in a 1-byte (Latin-1), a 2-byte and a 4-byte str (PEP 393 storage).
    flat, offsets = minhash.shingle_hashes(["café au lait ÿ", "café au lait \u0101", "café au lait \U0001d400"], 3)
    assert list(offsets) == [0, 2, 4, 6]
    assert flat[0] == flat[2] == flat[4]  # "café au lait"
    assert flat[1] == _polynomial_hash("au lait ÿ")
    assert flat[3] == _polynomial_hash("au lait \u0101")
    assert flat[5] == _polynomial_hash("au lait a")  # MATHEMATICAL BOLD CAPITAL A, folded


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


def test_signatures_are_rensas_digests_of_the_shingle_hashes_row_by_row():
    import rensa

    params = MinHashParams()
    texts = [STORY, "Cats sleep most of the day, vets say."]
    flat, offsets = minhash.shingle_hashes(texts, params.shingle_words)
    rows = rensa.RMinHash.digest_matrix_from_flat_token_hashes(
        flat, offsets.astype(np.uint64), params.permutations, params.seed
    ).to_rows()
    assert minhash.signatures(texts, params).tolist() == rows

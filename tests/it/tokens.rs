//! Personal-link tokens: strength, storage as digests, brute-force limits, and keeping them out of URLs and logs.

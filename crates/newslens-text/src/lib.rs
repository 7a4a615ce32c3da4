//! Segmentation (paragraphs, sentences, tokens) and normalisation for newslens.

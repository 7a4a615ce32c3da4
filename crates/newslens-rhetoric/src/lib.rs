//! Persuasion techniques, framing, genre and entity roles for newslens.

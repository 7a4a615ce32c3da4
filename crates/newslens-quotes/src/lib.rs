//! Quote attribution (source, cue, content) for newslens.

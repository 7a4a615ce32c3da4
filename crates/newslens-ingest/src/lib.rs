//! Article readers for newslens: seed format, plain text, SemEval, JSON Lines, HTML, directories, stdin.

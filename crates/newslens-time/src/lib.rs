//! Time expression recognition and normalisation (TIMEX3) for newslens.

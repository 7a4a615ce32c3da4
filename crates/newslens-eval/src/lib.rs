//! Scorers (conlleval, PolNeAR, TempEval-3, SemEval) and data-set readers for newslens.

pub mod conll;
pub mod meantime;
pub mod petrarch;
pub mod polnear;
pub mod ptc;
pub mod semeval23;
pub mod timeml;

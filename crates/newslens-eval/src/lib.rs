//! Scorers (conlleval, PolNeAR, TempEval-3, SemEval) and data-set readers for newslens.

pub mod timeml;
pub mod ptc;
pub mod semeval23;
pub mod polnear;
pub mod conll;
pub mod petrarch;
pub mod meantime;

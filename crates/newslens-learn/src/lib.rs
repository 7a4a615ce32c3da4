//! Shared trainers (averaged perceptron, logistic regression), feature hashing and model I/O for newslens.

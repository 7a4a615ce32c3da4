//! Named-entity recognition, titles and roles, and alias clusters for newslens.

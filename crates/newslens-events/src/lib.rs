//! CAMEO event coding, stance and tone for newslens.

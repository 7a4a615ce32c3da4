//! Assembles the newslens stages into one pipeline shared by the CLI and the server.

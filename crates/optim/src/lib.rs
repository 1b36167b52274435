//! Optax-style gradient transformations and optimisers (in progress: see the project's issues).

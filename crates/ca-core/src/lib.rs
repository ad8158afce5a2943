//! Keys, certificate profiles, CSRs, signing and the on-disk CA state.

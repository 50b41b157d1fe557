//! Proofs: Data Integrity `eddsa-rdfc-2022`, VC-JWT, and Open Badges 2.0 signed JWS.

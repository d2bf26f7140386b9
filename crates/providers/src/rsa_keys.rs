//! RSA keys and certificates of the bank protocols: the hub's private key (one
//! per bank contract), the bank's certificates (two at once, for rotation),
//! and — for the simulators — keys and self-signed certificates generated at
//! first start.
//!
//! PKCS#1 v1.5 signatures with SHA-1 (the legacy bank links), SHA-256 and
//! SHA-512. Signing is blinded (`sign_with_rng`), so its timing does not
//! depend on the private key.

use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};
use rsa::signature::{RandomizedSigner, SignatureEncoding, Verifier};
use rsa::{RsaPrivateKey, RsaPublicKey};
use std::fmt;
use std::fs;
use std::io;
use std::path::Path;

/// The digest of a PKCS#1 v1.5 signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Digest {
    Sha1,
    Sha256,
    Sha512,
}

/// Bits of the keys the simulators generate.
pub const GENERATED_BITS: usize = 2048;

/// A private RSA key. Its `Debug` shows only the modulus size.
#[derive(Clone)]
pub struct RsaKey {
    private: RsaPrivateKey,
}

impl fmt::Debug for RsaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "RsaKey({} bits)",
            rsa::traits::PublicKeyParts::size(&self.private).saturating_mul(8)
        )
    }
}

impl RsaKey {
    pub fn generate() -> io::Result<RsaKey> {
        let mut rng = rsa::rand_core::OsRng;
        let private = RsaPrivateKey::new(&mut rng, GENERATED_BITS).map_err(invalid)?;
        Ok(RsaKey { private })
    }

    /// A PKCS#8 or PKCS#1 PEM private key (`BEGIN PRIVATE KEY` or `BEGIN RSA PRIVATE KEY`).
    pub fn from_pem(pem: &str) -> io::Result<RsaKey> {
        use rsa::pkcs1::DecodeRsaPrivateKey;
        let private = RsaPrivateKey::from_pkcs8_pem(pem)
            .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
            .map_err(|_| invalid("not an RSA private key in PEM (PKCS#8 or PKCS#1)"))?;
        Ok(RsaKey { private })
    }

    /// Reads the key at `path`, or generates one and writes it there
    /// (PKCS#8 PEM, mode 0600, written to a temporary file and renamed, so a
    /// crash never leaves half a key).
    pub fn load_or_create(path: &Path) -> io::Result<RsaKey> {
        match fs::read_to_string(path) {
            Ok(pem) => RsaKey::from_pem(&pem)
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let key = RsaKey::generate()?;
                if crate::keys::write_private_file(path, key.private_pem()?.as_bytes())? {
                    tracing::info!(path = %path.display(), "created an RSA key");
                    Ok(key)
                } else {
                    RsaKey::from_pem(&fs::read_to_string(path)?)
                }
            }
            Err(e) => Err(e),
        }
    }

    pub fn private_pem(&self) -> io::Result<String> {
        Ok(self
            .private
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(invalid)?
            .to_string())
    }

    pub fn public(&self) -> RsaPublicKey {
        self.private.to_public_key()
    }

    /// A PKCS#1 v1.5 signature of `data`.
    pub fn sign(&self, digest: Digest, data: &[u8]) -> Vec<u8> {
        let mut rng = rsa::rand_core::OsRng;
        let key = self.private.clone();
        match digest {
            Digest::Sha1 => SigningKey::<sha1::Sha1>::new(key)
                .sign_with_rng(&mut rng, data)
                .to_vec(),
            Digest::Sha256 => SigningKey::<sha2::Sha256>::new(key)
                .sign_with_rng(&mut rng, data)
                .to_vec(),
            Digest::Sha512 => SigningKey::<sha2::Sha512>::new(key)
                .sign_with_rng(&mut rng, data)
                .to_vec(),
        }
    }

    /// A self-signed certificate (PEM) for this key, as a bank or the hub
    /// hands to the other side; valid for ten years from now.
    pub fn self_signed_certificate(&self, common_name: &str) -> io::Result<String> {
        let der = self.private.to_pkcs8_der().map_err(invalid)?;
        let pkcs8 = rustls_pki_types_der(der.as_bytes());
        let key_pair =
            rcgen::KeyPair::from_pkcs8_der_and_sign_algo(&pkcs8, &rcgen::PKCS_RSA_SHA256)
                .map_err(invalid)?;
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(invalid)?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, common_name);
        let now = time::OffsetDateTime::now_utc();
        params.not_before = now.saturating_sub(time::Duration::days(1));
        params.not_after = now.saturating_add(time::Duration::days(3650));
        let certificate = params.self_signed(&key_pair).map_err(invalid)?;
        Ok(certificate.pem())
    }
}

fn rustls_pki_types_der(der: &[u8]) -> rustls::pki_types::PrivatePkcs8KeyDer<'static> {
    rustls::pki_types::PrivatePkcs8KeyDer::from(der.to_vec())
}

/// The public keys a signature may verify with: the bank's current
/// certificate and, during a rotation, the next (or previous) one.
#[derive(Debug, Clone)]
pub struct TrustedKeys {
    keys: Vec<RsaPublicKey>,
}

/// At most this many keys are trusted at once.
pub const MAX_TRUSTED_KEYS: usize = 2;

impl TrustedKeys {
    pub fn new(keys: Vec<RsaPublicKey>) -> io::Result<TrustedKeys> {
        if keys.is_empty() || keys.len() > MAX_TRUSTED_KEYS {
            return Err(invalid(format!(
                "one or {MAX_TRUSTED_KEYS} bank certificates, not {}",
                keys.len()
            )));
        }
        Ok(TrustedKeys { keys })
    }

    /// Reads each PEM text: an X.509 certificate (`BEGIN CERTIFICATE`) or a
    /// public key (`BEGIN PUBLIC KEY`).
    pub fn from_pems(pems: &[String]) -> io::Result<TrustedKeys> {
        let keys = pems
            .iter()
            .map(|pem| public_key_from_pem(pem))
            .collect::<io::Result<Vec<_>>>()?;
        TrustedKeys::new(keys)
    }

    /// Reads each file with [`TrustedKeys::from_pems`].
    pub fn from_files(paths: &[std::path::PathBuf]) -> io::Result<TrustedKeys> {
        let pems = paths
            .iter()
            .map(|p| {
                fs::read_to_string(p)
                    .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", p.display())))
            })
            .collect::<io::Result<Vec<_>>>()?;
        TrustedKeys::from_pems(&pems)
    }

    /// Whether `signature` over `data` verifies with one of the keys.
    pub fn verify(&self, digest: Digest, data: &[u8], signature: &[u8]) -> bool {
        let Ok(signature) = Signature::try_from(signature) else {
            return false;
        };
        self.keys.iter().any(|key| {
            let key = key.clone();
            match digest {
                Digest::Sha1 => VerifyingKey::<sha1::Sha1>::new(key)
                    .verify(data, &signature)
                    .is_ok(),
                Digest::Sha256 => VerifyingKey::<sha2::Sha256>::new(key)
                    .verify(data, &signature)
                    .is_ok(),
                Digest::Sha512 => VerifyingKey::<sha2::Sha512>::new(key)
                    .verify(data, &signature)
                    .is_ok(),
            }
        })
    }
}

/// The RSA public key of a PEM certificate or `PUBLIC KEY`.
pub fn public_key_from_pem(pem: &str) -> io::Result<RsaPublicKey> {
    if pem.contains("BEGIN PUBLIC KEY") {
        return RsaPublicKey::from_public_key_pem(pem.trim())
            .map_err(|_| invalid("not an RSA public key"));
    }
    let (_, parsed) = x509_parser::pem::parse_x509_pem(pem.as_bytes())
        .map_err(|_| invalid("not a PEM certificate"))?;
    let certificate = parsed
        .parse_x509()
        .map_err(|_| invalid("the certificate does not parse"))?;
    let spki = certificate.public_key().raw;
    RsaPublicKey::from_public_key_der(spki).map_err(|_| invalid("the certificate's key is not RSA"))
}

/// A public key as PEM (`BEGIN PUBLIC KEY`).
pub fn public_key_pem(key: &RsaPublicKey) -> io::Result<String> {
    key.to_public_key_pem(LineEnding::LF).map_err(invalid)
}

fn invalid(e: impl fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e.to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_generated_key_signs_and_its_certificate_verifies_with_every_digest() {
        let key = RsaKey::generate().unwrap();
        let pem = key.self_signed_certificate("Test bank").unwrap();
        let trusted = TrustedKeys::from_pems(&[pem]).unwrap();
        for digest in [Digest::Sha1, Digest::Sha256, Digest::Sha512] {
            let signature = key.sign(digest, b"data");
            assert!(trusted.verify(digest, b"data", &signature));
            assert!(!trusted.verify(digest, b"datb", &signature));
        }
        let sha1 = key.sign(Digest::Sha1, b"data");
        assert!(!trusted.verify(Digest::Sha256, b"data", &sha1));
    }

    #[test]
    fn either_of_two_certificates_verifies_during_a_rotation() {
        let old = RsaKey::generate().unwrap();
        let new = RsaKey::generate().unwrap();
        let stranger = RsaKey::generate().unwrap();
        let trusted = TrustedKeys::from_pems(&[
            old.self_signed_certificate("old").unwrap(),
            public_key_pem(&new.public()).unwrap(),
        ])
        .unwrap();
        assert!(trusted.verify(Digest::Sha1, b"x", &old.sign(Digest::Sha1, b"x")));
        assert!(trusted.verify(Digest::Sha1, b"x", &new.sign(Digest::Sha1, b"x")));
        assert!(!trusted.verify(Digest::Sha1, b"x", &stranger.sign(Digest::Sha1, b"x")));
        assert!(TrustedKeys::new(Vec::new()).is_err());
    }

    #[test]
    fn keys_are_created_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bank.key");
        let first = RsaKey::load_or_create(&path).unwrap();
        let again = RsaKey::load_or_create(&path).unwrap();
        assert_eq!(first.public(), again.public());
        assert!(!format!("{first:?}").contains("BEGIN"));
    }
}

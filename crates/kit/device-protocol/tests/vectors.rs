//! Every case of tests/vectors.json against the code. The file's values were made once by this
//! code and checked apart from it (the messages written out from docs/GLOBAL.md's format, the
//! keys and signatures by another Ed25519 implementation). The three seeds are those of RFC
//! 8032, section 7.1, tests 1 to 3, and give the public keys the RFC lists.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::DateTime;
use eckwms_device_protocol::signing::{
    public_key, request_headers, sign, sign_key_change, sign_registration,
};
use eckwms_device_protocol::vectors::{Vectors, signing_key};
use eckwms_device_protocol::{
    DeviceId, DevicePublicKey, DeviceSignature, SignedHeaders, check_registration, new_nonce,
    registration_message, request_message,
};
use sha2::{Digest, Sha256};

fn vectors() -> Vectors {
    Vectors::load().unwrap()
}

fn key(text: &str) -> DevicePublicKey {
    DevicePublicKey::parse(text).unwrap()
}

fn signature(text: &str) -> DeviceSignature {
    DeviceSignature::parse(text).unwrap()
}

fn at(unix: i64) -> chrono::DateTime<chrono::Utc> {
    DateTime::from_timestamp(unix, 0).unwrap()
}

#[test]
fn seeds_give_their_public_keys() {
    let vectors = vectors();
    assert!(!vectors.keys.is_empty());
    for case in vectors.keys {
        let pk = public_key(&signing_key(&case.seed).unwrap());
        assert_eq!(pk.as_str(), case.public_key);
        assert_eq!(key(&case.public_key), pk);
    }
}

#[test]
fn random_bytes_give_their_nonces() {
    for case in vectors().nonces {
        let random: [u8; 32] = hex::decode(&case.random).unwrap().try_into().unwrap();
        assert_eq!(new_nonce(&random), case.nonce);
        assert!(eckwms_device_protocol::is_nonce(&case.nonce));
    }
}

#[test]
fn registrations_sign_their_exact_message() {
    let vectors = vectors();
    assert!(!vectors.registrations.is_empty());
    for case in vectors.registrations {
        let sk = signing_key(&case.seed).unwrap();
        let id = DeviceId::parse(&case.device_id).unwrap();
        let pk = key(&case.public_key);
        assert_eq!(public_key(&sk), pk, "{}", case.name);
        let message = registration_message(&id, &pk, &case.nonce);
        assert_eq!(message, case.message, "{}", case.name);
        assert_eq!(sign(&sk, &message), case.signature, "{}", case.name);
        assert_eq!(sign_registration(&sk, &id, &case.nonce), case.signature);
        assert_eq!(
            check_registration(&message, &pk, &signature(&case.signature), None, None),
            Ok(()),
            "{}",
            case.name
        );
        // The same key again needs no second signature.
        assert_eq!(
            check_registration(&message, &pk, &signature(&case.signature), Some(&pk), None),
            Ok(())
        );
    }
}

#[test]
fn a_key_change_is_signed_by_both_keys() {
    let vectors = vectors();
    assert!(!vectors.key_changes.is_empty());
    for case in vectors.key_changes {
        let (old_sk, new_sk) = (
            signing_key(&case.old_seed).unwrap(),
            signing_key(&case.new_seed).unwrap(),
        );
        let id = DeviceId::parse(&case.device_id).unwrap();
        let (old_pk, new_pk) = (key(&case.old_public_key), key(&case.new_public_key));
        assert_eq!(
            (public_key(&old_sk), public_key(&new_sk)),
            (old_pk.clone(), new_pk.clone())
        );
        let message = registration_message(&id, &new_pk, &case.nonce);
        assert_eq!(message, case.message);
        assert_eq!(sign_registration(&new_sk, &id, &case.nonce), case.signature);
        assert_eq!(
            sign_key_change(&old_sk, &id, &new_pk, &case.nonce),
            case.old_key_signature
        );
        assert_eq!(
            check_registration(
                &message,
                &new_pk,
                &signature(&case.signature),
                Some(&old_pk),
                Some(&signature(&case.old_key_signature)),
            ),
            Ok(())
        );
    }
}

#[test]
fn requests_sign_their_exact_message_and_headers() {
    let vectors = vectors();
    assert!(!vectors.requests.is_empty());
    for case in vectors.requests {
        let sk = signing_key(&case.seed).unwrap();
        let id = DeviceId::parse(&case.device_id).unwrap();
        let body = case.body.as_bytes();
        assert_eq!(hex::encode(Sha256::digest(body)), case.body_sha256);
        let message = request_message(&case.method, &case.path_and_query, case.timestamp, body);
        assert_eq!(message, case.message, "{}", case.name);
        let headers = request_headers(
            &sk,
            &id,
            &case.method,
            &case.path_and_query,
            case.timestamp,
            body,
        );
        assert_eq!(
            headers,
            [
                ("x-device-id", case.device_id.clone()),
                ("x-device-timestamp", case.timestamp.to_string()),
                ("x-device-signature", case.signature.clone()),
            ],
            "{}",
            case.name
        );
        // As a server reads them.
        let credentials = SignedHeaders::from_values(
            Some(&headers[0].1),
            Some(&headers[1].1),
            Some(&headers[2].1),
        )
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();
        assert_eq!(
            credentials.check_time(at(case.now)),
            Ok(()),
            "{}",
            case.name
        );
        assert_eq!(
            credentials.verify(
                &key(&case.public_key),
                &case.method,
                &case.path_and_query,
                body
            ),
            Ok(()),
            "{}",
            case.name
        );
    }
}

#[test]
fn refused_registrations_are_refused_with_their_code() {
    let vectors = vectors();
    assert!(!vectors.refused.registrations.is_empty());
    for case in vectors.refused.registrations {
        let id = DeviceId::parse(&case.device_id).unwrap();
        let pk = key(&case.public_key);
        let message = registration_message(&id, &pk, &case.nonce);
        let existing = case.existing_key.as_deref().map(key);
        let old_signature = case.old_key_signature.as_deref().map(signature);
        let refusal = check_registration(
            &message,
            &pk,
            &signature(&case.signature),
            existing.as_ref(),
            old_signature.as_ref(),
        )
        .unwrap_err();
        assert_eq!(refusal.code().as_str(), case.code, "{}", case.name);
    }
}

#[test]
fn refused_requests_are_refused_with_their_code() {
    let vectors = vectors();
    assert!(!vectors.refused.requests.is_empty());
    for case in vectors.refused.requests {
        let credentials = SignedHeaders::from_values(
            Some(&case.device_id),
            Some(&case.timestamp.to_string()),
            Some(&case.signature),
        )
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();
        // A server checks the time first, then the signature.
        let refusal = credentials
            .check_time(at(case.now))
            .and_then(|()| {
                credentials.verify(
                    &key(&case.public_key),
                    &case.method,
                    &case.path_and_query,
                    case.body.as_bytes(),
                )
            })
            .unwrap_err();
        assert_eq!(refusal.code().as_str(), case.code, "{}", case.name);
    }
}

#[test]
fn refused_public_keys_say_why() {
    let vectors = vectors();
    assert!(!vectors.refused.public_keys.is_empty());
    for case in vectors.refused.public_keys {
        assert_eq!(
            DevicePublicKey::parse(&case.text),
            Err(case.error.clone()),
            "{}",
            case.name
        );
    }
}

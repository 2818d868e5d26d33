//! AWS Signature Version 4, checked on the server: rebuild the canonical request from what was
//! received, derive the signing key from the access key's secret, and compare signatures.
//!
//! Details that matter for real clients (botocore, the AWS CLI): they send no
//! `x-amz-content-sha256`, so the body is hashed here; and for every service but S3 the
//! canonical URI is the received (already percent-encoded) path encoded once more.

use hmac::{Hmac, KeyInit, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use sha2::{Digest, Sha256};

/// What SigV4 leaves unescaped: RFC 3986's unreserved characters, `A-Z a-z 0-9 - _ . ~`.
pub const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
/// The same, keeping path separators (the canonical URI, redirect targets).
pub const UNRESERVED_AND_SLASH: &AsciiSet = &UNRESERVED.remove(b'/');

pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// How far the signer's clock may be from ours, as AWS allows.
pub const MAX_SKEW_SECONDS: i64 = 15 * 60;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureError {
    /// No or unreadable `Authorization` header: `MissingAuthenticationTokenException`.
    Missing(String),
    /// Bad scope, time, or signature: `InvalidSignatureException`.
    Invalid(String),
}

/// The parts of an `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
/// Signature=...` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub access_key_id: String,
    pub date: String,
    pub region: String,
    pub service: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

/// What was received, as it was received.
pub struct Received<'a> {
    pub method: &'a str,
    /// The path exactly as on the wire (still percent-encoded).
    pub raw_path: &'a str,
    pub raw_query: &'a str,
    /// Header names in lower case, with their values, in any order; repeated names allowed.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

pub fn parse_authorization(header: &str) -> Result<Authorization, SignatureError> {
    let rest = header.strip_prefix(ALGORITHM).ok_or_else(|| SignatureError::Missing(format!("Authorization must use {ALGORITHM}")))?;
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(',') {
        match part.trim().split_once('=') {
            Some(("Credential", value)) => credential = Some(value),
            Some(("SignedHeaders", value)) => signed_headers = Some(value),
            Some(("Signature", value)) => signature = Some(value),
            _ => {}
        }
    }
    let missing = |what: &str| SignatureError::Missing(format!("Authorization header requires '{what}' parameter"));
    let credential = credential.ok_or_else(|| missing("Credential"))?;
    let scope: Vec<&str> = credential.split('/').collect();
    let [access_key_id, date, region, service, terminator] = scope[..] else {
        return Err(SignatureError::Invalid(format!("Credential should be KEY/DATE/REGION/SERVICE/aws4_request (got {credential})")));
    };
    if terminator != "aws4_request" {
        return Err(SignatureError::Invalid("Credential should end with aws4_request".into()));
    }
    Ok(Authorization {
        access_key_id: access_key_id.into(),
        date: date.into(),
        region: region.into(),
        service: service.into(),
        signed_headers: signed_headers.ok_or_else(|| missing("SignedHeaders"))?.split(';').map(str::to_string).collect(),
        signature: signature.ok_or_else(|| missing("Signature"))?.to_string(),
    })
}

/// `20150830T123600Z` as epoch seconds.
pub fn parse_amz_date(text: &str) -> Option<i64> {
    if text.len() != 16 {
        return None;
    }
    chrono::NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%SZ").ok().map(|at| at.and_utc().timestamp())
}

/// RFC 3986 percent-encoding of everything but unreserved characters (and `/` when asked).
fn uri_encode(text: &str, keep_slash: bool) -> String {
    utf8_percent_encode(text, if keep_slash { UNRESERVED_AND_SLASH } else { UNRESERVED }).to_string()
}

/// Decodes `%XX` escapes byte by byte (a `%` before anything but two hex digits stays as it is);
/// invalid UTF-8 becomes U+FFFD.
pub fn percent_decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

fn canonical_query(raw_query: &str) -> String {
    let mut pairs: Vec<(String, String)> = raw_query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (uri_encode(&percent_decode(key), false), uri_encode(&percent_decode(value), false))
        })
        .collect();
    pairs.sort();
    pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

fn canonical_header_value(values: &[&str]) -> String {
    values.iter().map(|v| v.split_whitespace().collect::<Vec<_>>().join(" ")).collect::<Vec<_>>().join(",")
}

pub fn canonical_request(received: &Received, signed_headers: &[String]) -> String {
    let path = if received.raw_path.is_empty() { "/" } else { received.raw_path };
    let mut canonical_headers = String::new();
    for name in signed_headers {
        let values: Vec<&str> = received.headers.iter().filter(|(n, _)| n == name).map(|(_, v)| v.as_str()).collect();
        canonical_headers.push_str(&format!("{name}:{}\n", canonical_header_value(&values)));
    }
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        received.method,
        uri_encode(path, true),
        canonical_query(received.raw_query),
        canonical_headers,
        signed_headers.join(";"),
        hex::encode(Sha256::digest(received.body)),
    )
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// The keyed MAC over the string to sign; its output is the signature.
fn signing_mac(secret: &str, authorization: &Authorization, amz_date: &str, canonical_request: &str) -> Hmac<Sha256> {
    let scope = format!("{}/{}/{}/aws4_request", authorization.date, authorization.region, authorization.service);
    let string_to_sign = format!("{ALGORITHM}\n{amz_date}\n{scope}\n{}", hex::encode(Sha256::digest(canonical_request.as_bytes())));
    let key = hmac(format!("AWS4{secret}").as_bytes(), &authorization.date);
    let key = hmac(&key, &authorization.region);
    let key = hmac(&key, &authorization.service);
    let key = hmac(&key, "aws4_request");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes a key of any length");
    mac.update(string_to_sign.as_bytes());
    mac
}

pub fn signature(secret: &str, authorization: &Authorization, amz_date: &str, canonical_request: &str) -> String {
    hex::encode(signing_mac(secret, authorization, amz_date, canonical_request).finalize().into_bytes())
}

/// Checks the scope (region and service), the time window, and the signature.
pub fn verify(
    received: &Received,
    authorization: &Authorization,
    secret: &str,
    expected_region: &str,
    expected_service: &str,
    now_seconds: i64,
) -> Result<(), SignatureError> {
    if authorization.service != expected_service {
        return Err(SignatureError::Invalid(format!(
            "Credential should be scoped to correct service: '{expected_service}' (got '{}')",
            authorization.service
        )));
    }
    if authorization.region != expected_region {
        return Err(SignatureError::Invalid(format!(
            "Credential should be scoped to a valid region: '{expected_region}' (got '{}')",
            authorization.region
        )));
    }
    if !authorization.signed_headers.iter().any(|h| h == "host") {
        return Err(SignatureError::Invalid("the host header must be signed".into()));
    }
    let amz_date = received
        .headers
        .iter()
        .find(|(name, _)| name == "x-amz-date")
        .map(|(_, value)| value.as_str())
        .ok_or_else(|| SignatureError::Invalid("X-Amz-Date is required".into()))?;
    let signed_at = parse_amz_date(amz_date).ok_or_else(|| SignatureError::Invalid(format!("X-Amz-Date {amz_date} is not a date")))?;
    if !amz_date.starts_with(&authorization.date) {
        return Err(SignatureError::Invalid("the credential date does not match X-Amz-Date".into()));
    }
    if (now_seconds - signed_at).abs() > MAX_SKEW_SECONDS {
        return Err(SignatureError::Invalid(format!("Signature expired: {amz_date} is more than 15 minutes away from the server's time")));
    }
    let mismatch = || {
        SignatureError::Invalid(
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.".into(),
        )
    };
    let provided = hex::decode(&authorization.signature).map_err(|_| mismatch())?;
    // `verify_slice` compares in constant time.
    let mac = signing_mac(secret, authorization, amz_date, &canonical_request(received, &authorization.signed_headers));
    mac.verify_slice(&provided).map_err(|_| mismatch())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    #[test]
    fn percent_decoding_works_on_bytes_and_never_panics() {
        assert_eq!(percent_decode("a%2Fb%3a"), "a/b:");
        assert_eq!(percent_decode("%C3%A9"), "é");
        // A `%` before a multi-byte character, at the end, or before non-hex stays as it is.
        assert_eq!(percent_decode("%é"), "%é");
        assert_eq!(percent_decode("%aé"), "%aé");
        assert_eq!(percent_decode("50%"), "50%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%FF"), "\u{FFFD}");
    }

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
    }

    /// "get-vanilla" from AWS's published SigV4 test suite.
    #[test]
    fn the_aws_test_suite_vanilla_get_verifies() {
        let headers = headers(&[("host", "example.amazonaws.com"), ("x-amz-date", "20150830T123600Z")]);
        let received = Received { method: "GET", raw_path: "/", raw_query: "", headers: &headers, body: b"" };
        let authorization = parse_authorization(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        )
        .unwrap();
        let canonical = canonical_request(&received, &authorization.signed_headers);
        assert_eq!(signature(SECRET, &authorization, "20150830T123600Z", &canonical), authorization.signature);
    }

    fn signed(path: &str, query: &str, body: &[u8], date: &str) -> (Vec<(String, String)>, Authorization) {
        let headers = headers(&[("host", "127.0.0.1:3000"), ("x-amz-date", date), ("content-type", "application/json")]);
        let mut authorization = Authorization {
            access_key_id: "AKIAEXAMPLE".into(),
            date: date[..8].into(),
            region: "us-east-1".into(),
            service: "batch".into(),
            signed_headers: vec!["content-type".into(), "host".into(), "x-amz-date".into()],
            signature: String::new(),
        };
        let received = Received { method: "POST", raw_path: path, raw_query: query, headers: &headers, body };
        authorization.signature = signature(SECRET, &authorization, date, &canonical_request(&received, &authorization.signed_headers));
        (headers, authorization)
    }

    #[test]
    fn a_signed_request_verifies_and_any_change_breaks_it() {
        let date = "20261125T120000Z";
        let now = parse_amz_date(date).unwrap();
        let (headers, auth) = signed("/v1/submitjob", "", br#"{"jobName":"a"}"#, date);
        let ok = Received { method: "POST", raw_path: "/v1/submitjob", raw_query: "", headers: &headers, body: br#"{"jobName":"a"}"# };
        assert_eq!(verify(&ok, &auth, SECRET, "us-east-1", "batch", now), Ok(()));
        let tampered = Received { body: br#"{"jobName":"b"}"#, ..ok };
        assert!(
            matches!(verify(&tampered, &auth, SECRET, "us-east-1", "batch", now), Err(SignatureError::Invalid(m)) if m.contains("does not match"))
        );
        let ok = Received { body: br#"{"jobName":"a"}"#, ..tampered };
        assert!(verify(&ok, &auth, "another secret", "us-east-1", "batch", now).is_err());
        // A request signed for Batch is not one for CloudWatch Logs, on the same endpoint.
        assert!(verify(&ok, &auth, SECRET, "us-east-1", "logs", now).is_err());
        assert!(verify(&ok, &auth, SECRET, "eu-west-1", "batch", now).unwrap_err() != SignatureError::Missing(String::new()));
        let late = verify(&ok, &auth, SECRET, "us-east-1", "batch", now + MAX_SKEW_SECONDS + 1);
        assert!(matches!(late, Err(SignatureError::Invalid(m)) if m.contains("Signature expired")));
        assert_eq!(verify(&ok, &auth, SECRET, "us-east-1", "batch", now + MAX_SKEW_SECONDS - 1), Ok(()));
    }

    #[test]
    fn the_canonical_uri_encodes_the_received_path_again() {
        let headers = headers(&[("host", "h")]);
        let received = Received {
            method: "GET",
            raw_path: "/v1/tags/arn%3Aaws%3Abatch%3Aus-east-1%3A0%3Ajob-queue%2Fq",
            raw_query: "tagKeys=b&tagKeys=a%20c",
            headers: &headers,
            body: b"",
        };
        let canonical = canonical_request(&received, &["host".into()]);
        let lines: Vec<&str> = canonical.lines().collect();
        assert_eq!(lines[1], "/v1/tags/arn%253Aaws%253Abatch%253Aus-east-1%253A0%253Ajob-queue%252Fq");
        assert_eq!(lines[2], "tagKeys=a%20c&tagKeys=b");
    }

    #[test]
    fn dates_and_headers_parse() {
        assert_eq!(parse_amz_date("19700101T000000Z"), Some(0));
        assert_eq!(parse_amz_date("20150830T123600Z"), Some(1_440_938_160));
        assert_eq!(parse_amz_date("2015-08-30"), None);
        assert_eq!(parse_amz_date("20150230T123600Z"), None, "no February 30th");
        assert_eq!(parse_amz_date("20150830T123600+"), None);
        assert!(matches!(parse_authorization("Basic abc"), Err(SignatureError::Missing(_))));
        let auth = parse_authorization(
            "AWS4-HMAC-SHA256 Credential=K/20260101/us-east-1/batch/aws4_request, SignedHeaders=host;x-amz-date, Signature=ab",
        )
        .unwrap();
        assert_eq!((auth.access_key_id.as_str(), auth.service.as_str()), ("K", "batch"));
    }
}

//! A fake Entra ID tenant (any OpenID Connect provider) served on a loopback port by each test
//! that needs one: discovery, a JWKS whose fetches are counted and whose answers a test can
//! change, the RS256 test keys that sign tokens, and the claims of typical access tokens.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::identity_provider_flow::{Issued, authorize, token};
use super::identity_provider_grants;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use daap::auth::{AuthConfig, TokenValidator, http_client_builder};
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use jsonwebtoken::{Algorithm, EncodingKey, Header, get_current_timestamp};
use serde_json::{Value, json};

pub(crate) const TENANT: &str = "8c0ba3b4-6a39-4e39-8a94-4c8e2b1f2d11";
/// The API's own application (client) id: the audience.
pub(crate) const API_CLIENT_ID: &str = "3f2a9c1e-0b7d-4c55-9e0a-6d1f8b2c4e77";
/// The front end that signs users in and calls the API for them.
pub(crate) const WEB_CLIENT_ID: &str = "a61d5f0e-2c3b-4e8f-9a7d-1b2c3d4e5f60";
/// A pipeline that calls the API as itself (client credentials).
pub(crate) const PIPELINE_CLIENT_ID: &str = "5e4d3c2b-1a09-4f8e-8d7c-6b5a49382716";
pub(crate) const USER_OID: &str = "00000000-0000-0000-66f3-3332eca7ea81";
pub(crate) const PIPELINE_SP_OID: &str = "7d6c5b4a-3928-4716-a5b4-c3d2e1f0a9b8";

/// Test-only 2048-bit RSA keys (PKCS#1 DER, base64), made with `openssl genrsa -traditional
/// 2048` for these tests and used nowhere else. Fixtures, because generating 2048-bit keys in
/// an unoptimised test build takes seconds each.
const KEY_A_PKCS1_DER: &str = "\
    MIIEpAIBAAKCAQEAs1x5NhIqGIaDp2vl/s5zIYwskKaC/VkDKR6Xkz0oEoehUqHfFHt+5xcc7TtJ6hHQnRSgCwJu\
    /gvcq7yNUT7E5ipb91SNo7+av4TVhNzEBMgAIdLmYED3FuTrPwksLxfJmfepvGDLSgLO4Km5HvC7gkxSLksX7mrk\
    rzMscz3VLCVg66V/JwYB7pOaSHaposP1dC3Yva8lPjkYW/FwtKbtCRkfjI60SiaDiqGpSSHkSvppX+Zn7Ak5CGfG\
    GSOQTK9kcge1nfDanh+MJSsG7/uvrFyJ2xQl48KRMeMYRuXnYQlBytifChbl9pH6fJtPhu7Iy6yhPHFpZhe1GL1T\
    2trbVwIDAQABAoIBABORE4IUEjaRuhwSF8mn4QR4Y8Y1/BVCWCdsuHFuGwiGdlFq6ki0PkBck6HHtYUNA3qXbOw2\
    jEA3sA+mJq6Fz/oiBd1iAn+qH+ojxh1T7ihtXyJRfSNkAvCi8YzzZbgPesVKsOAlmRfOXZ5BtbnL3lDVHaQCOi6e\
    x6rbRM6foLlLfdn76CEtcSTk+LFhFiEXVvnRbxP41N0y3YWbRwwIiVN2YsRKf+B+8S7yMnshBs8fKLy+WeO/GRwN\
    A20esYXLCCPFcMsUEoU8oblbhEiJ30zU2aCOPP2e77u3lWObfcbpmsxATKhHF/hPZB6/QFByfJ3ekk1uwIO+IFZO\
    4zjT7tUCgYEA1pXDn+8Ztf3nYqK0N2Zz73/TEvc9FT/J+VclvvZwheVvopHfidVElFF5ZGeBoWCIx5ca8v3YC6T4\
    CQNQQbG4Zne1iaArW6ZxQXy6c3oc7/oTxdk67T4tW29099gFYRgNqDdSqM+9PHa8kOQ5VRhV82h+oJhnzSl/bSQU\
    gaJte30CgYEA1fpeeaZUlwzwHySmA/HRX2BHefnLrLNpK1rrAHPySSIh+DOgETsda769DGuf8PwZA/OwIaiRAE1t\
    ybhiMEcMw9W0rHujB0paYUnGr6NpISxBH1Xo2WfxuMnicOJJTJFxILvbJjTF9+/3oNcMjyXmDGRD2zj90FqBnNHm\
    qIQLomMCgYEAsG7xKsYQEMgUANCgdtChUHF8HiL0sU0ChyW1Xl8IQ79S24svDggxW/XlZr2IIyTZMao3OUWn5mMc\
    oWR9D5bNdErHE8KDA9dFVb/1Gc90jYfDzDABOGGgL4bj2IhgW+XIDOB38V7lTBqgjk1oKmRY/0qSmv7UkialpBo/\
    Vhs0A40CgYEAtezwdi1crjBp15CpNaFbieOp4aLn8CV5vUrHktMBo/xJNWVvKjdAhGLfCLhYe+NawWlmzrcq0T8D\
    oQYLNVCzIa2Itz1HFuO4hA7dxmcA8xtVIvc/ydf+REYhKCi8eUUPEe2mHY2w42Q6/ZzZKLvoI5D7wF9sLMFGgbZU\
    jeH2olECgYAL/+a9r/wQcV3Ax0iZnY7F3+yoiuIDD4LDLXIcWQaPuKn09WWzT53l3rVbMWavOpfC1Dq0vTM178zY\
    3bBvtIsaD6mnUg+5K2Vwhtb7U4jfz6DwD234qd8O7iHmZPKxK/kuKBzdnB2CJtBc3XYL0wilRtvZ4rRI4hEd3XzT\
    gG2p8Q==";

const KEY_B_PKCS1_DER: &str = "\
    MIIEowIBAAKCAQEAuCO7vlAJjsq0vR3s6MoLD7AiCe1+SqhYaQUtYyulKibxghCpJ58rleShCwqv+GtHZpSc+YyG\
    y1zjDbnunpQVFkYfB2cU1I3EFTM1Yr64D+SlYHoxeL68s1vSLzQzv8zaQJIQRoLTNILWfn7pO+LFJtc10FJkrDPQ\
    E5yLa4Q+fWpKAvbLerw7Oz+Jm1wnxgiYJiCpY24jwqm0fqCpu4nCJc6RRlASZomV7NS0Ya7NKR3vVu3u88lWR2x6\
    5Jl7G5bwV3PP46mgkgWG5dRS77PfUvosT9lSlbV+R/8L+H5Hfa9cyJY8my3Wq5MDeP1FT/eb3iy+YqE3m3bbzC1h\
    uJeITwIDAQABAoIBADspm/onHBMJVO3ITiRzOf+V3zHiYOfa0+EWPUF2NfBnp8Pa14Z38RiNZyK1kdlWmo++YvsY\
    5/wyAW+ZFC5WNLo92F1YBMzQKbaIB/iMf3X3yBzJ1dhOLDHSaCMreg7/YgZKB7mn8fUWrpTg8M4Ba8excMRYnKjp\
    UsriSrdGO4+uiQwyLjp/fU3M7No0e1NU9pwZS2/IU9vo4ipMAwPl+R0m4+eLeGRHtMqvJ2RKAouij+ZZbrKIRZex\
    dBAtsog+dx5HYaaOe/hYNSTk7HmeyZdK5qDgYqg0vIsWsxpsyHaEXkF0u5eNpC3JuB0giNCaChfkEAuPnn7gqNCA\
    a+Sspl0CgYEA8KaBtAFGgIK+o5Ugz8w8EJ0Idy8aHLYFLUT+ESgWUw00kUax5JkH+VlVMj74MX9vy2pmGtTQmwCc\
    SIkE7d0rJDhaRuPtOFpcm1/+uabMJnQwhISAkXhrR8NmpGnymEZdPjXtsq3wrTXQHWky0Y8Fg8ShnSN1jL/q2iHG\
    QzZrjKsCgYEAw+J7WQh09bNaFs5IpmO53jOPSX3eCnBCrn4WWKbLR55JzoLYITK8mzdAbtRrInjxzEFgJrJr3sJt\
    QoBr1TNFvsZ+c5iR0XBa/SZ67YBH1TJnIT89jQqlsnZhREeQXEc7NG25I75IZJWGVHMybqI039cvOud7DpNdRpqy\
    vFVW6u0CgYEApnRVlL+pF2zYFmgpWPJIvakQ2PeQlTll3Ukyf4V945ZnvPDsTVV4iYW8A1RA8mPWXRpMY9S+Mei7\
    MQTtjuYDWDtOXmh7hhYipipBFAMGhLardI3+LCDh+7Jxxdmuvps1FbnRn1zm87gcKqvARekqhFk2/G0xetioxpbD\
    /2ud+p8CgYBTaKLhPGqhHKelwlzJDPneFdJTltbvVvHt3x6gzRUN/+apmqlxKWuKJDK5fpXH7fv333aTw7GO/vcL\
    NCe2dsih/V9m1XZx2gfEd5gsfU0ZCQdE7urEnd4EacftDRP5VxNstbP59lJZEhpK52p4FXWyQqyHxn1trW4wXDrz\
    WttR2QKBgDoszhLIG2pANgQlCoAXCv9LQa8h4TxQ3t7mBFbjSRJocNV2aLTrZQpwGFfGfUaL433Vj4+g2gaFJTue\
    +wNxsb+Wrgw/4TX0yRXJzHoZRs2/IYrkwEygdvUk0jcvCbskXovHGHBJHJoK5ZSlehPj6rffX+NlRSi0mAwLtq4+\
    /tsX";

const KEY_C_PKCS1_DER: &str = "\
    MIIEogIBAAKCAQEAmRe2Yfhv8B1AuNS04P95KvEXgMgAiLEsdrAPFVfWSqvRI6Bq6e4bem0xLqZ+Lq7tBQRAxmXS\
    O5vcUC5xprUV0zdPgskHHwvB+hCnrr5vvAEko4VZVMmXCC1XMSR0GIEyuFC1g7JD+BwadcW9QahNCLRFmhH+zMam\
    UJqtpL6mHjyyRJKCh/hWIfzrpcMq1mUUI7rLBfJSbmW5p/UIl/n1DUyQX81ateVkNqZHlMcqGAVV0aRwDJKoT2WB\
    Szw26Xb9W5LeGhunDJoDjb8GSSOGqxAxy7LSmXXhlhXrZF7BBUXxJ54dpN80VI/RIlGglluVXtNtgaqmGLe9ASRW\
    bDGqmQIDAQABAoIBABS+UcgUkZZHYG2q5JdYBmL7J+QbNXdQCmZKlMCfljmn7j6VjecEjFSaVv+rL43DxfnYCa7Y\
    PRQ2mjODF4MvJjXoWK2v73cVcMMhXpce1qTywrQlbWU/q2dAPYA7ID/xwZ2X0gB2Nx93L16l3G75DvcO9h9aMNwu\
    Tnq9eqnH61pNSUy79dOXpyBnhCbIjmcAxrt8bXsexxKDjhFkWGDtK/nMMEGJIpEdPRMQPKzf2BwVY/eXS+BF0y3u\
    bRNMXqaqJq/CUTNYoiGkvU+0GugN/0Erio/5ISII4H0J8DYlITJ4AmTgcrkqdTmxSBYxI7tp2tJBxLe3lOqATmZX\
    Zjh77wECgYEA1ZLW8wsLthHKZi2ExQtKQX6/jHkTb1xHGm4bs344QLQN85Hn6EwO57yILnZa/rqXVg1goErS6Qs7\
    FlqVsCZc6EKAt1cr6381/+Ke8iw2f3i/dEEF4lZId5M/Yzvxd7zB6z0E+XoWql3ETSWdR4q6EFQ0jcf/7oj74LQy\
    sn6eOg0CgYEAt4EmCbwwlTjT1NsMbpHum2aeu8u1xYNIlHlu9e3G3h9Z/5Rt3KtXsQ1WYSirrgTwiNkof0d3Osao\
    BlXbDdL+BZcyaXsoT1Imslu/XnycjtTUUqiNFGFVAoSc9Bc0zPwkZt78F+Ws6N087z7cMQPb6423lLo8HISDVH+D\
    9ZMbS70CgYA22xVsrZyfcihbYDum5MR42BZY/Uw5oSj+J+PjkXrfW5/tvL8lEkwNx4Xu8SVkIgb26k60PSO5CdJu\
    ZmvmJ6RbX6Fx9ejo/u6ev9V1fFevHBOIx568SM8qL17rnRzjVU81naGmdm5V6emeqxefpYku4oHxHLqmyPZw+7e9\
    0vnPDQKBgFdaHh5SPBo8k/HmWBOmWhwVjIg+34dnCDzNVXmyN5FzASd9o5KA6dx5Sd40Ow06grnSDcoQ3fvXpxJk\
    +kKpZoyIvdGic7zWkV8j94Pl86y2OWAjpgzGjG4HbKNxDIxrlnR1vzEs/tNWxXPpy211tdF6g6JDyOuWVOH7VXio\
    Dz1NAoGAR7IRsLaaDL1l/xio4kzu269jW0QrkwaU3ftIiQiT5JTcfiSgPPoDpX9lQV4FI6YzoHY1nH4I8zzFC4aW\
    ZYs8ahWWTTs6g10pk+T/VXraHhVjXGUjk7o/GYmkaZjNZ4jT/IviZPNcqadzuz/stzIwIxGanQp8RazFIeD2/AOB\
    dHc=";

/// A signing key and the JWK that publishes it under `kid`.
pub(crate) struct TestKey {
    pub(crate) kid: String,
    pub(crate) encoding: EncodingKey,
    pub(crate) jwk: Value,
}

impl TestKey {
    pub(crate) fn new(kid: &str, pkcs1_der_base64: &str) -> Self {
        let der = STANDARD
            .decode(pkcs1_der_base64)
            .expect("the key fixture is base64");
        let encoding = EncodingKey::from_rsa_der(&der);
        let public = Jwk::from_encoding_key(&encoding, Algorithm::RS256).expect("an RSA JWK");
        let AlgorithmParameters::RSA(rsa) = public.algorithm else {
            panic!("an RSA key makes an RSA JWK");
        };
        // Shaped like Entra's keys (which also carry x5t and x5c, ignored here).
        let jwk = json!({"kty": "RSA", "use": "sig", "kid": kid, "n": rsa.n, "e": rsa.e});
        Self {
            kid: kid.to_owned(),
            encoding,
            jwk,
        }
    }

    /// An RS256 token over `claims`, naming this key.
    pub(crate) fn sign(&self, claims: &Value) -> String {
        self.sign_as(&self.kid, claims)
    }

    /// An RS256 token over `claims` signed with this key but naming `kid`.
    pub(crate) fn sign_as(&self, kid: &str, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid.to_owned());
        jsonwebtoken::encode(&header, claims, &self.encoding).expect("signing works")
    }

    /// The modulus, as the HMAC secret of an algorithm-confusion attack.
    pub(crate) fn public_modulus(&self) -> Vec<u8> {
        URL_SAFE_NO_PAD
            .decode(self.jwk["n"].as_str().expect("n"))
            .expect("n is base64url")
    }
}

pub(crate) fn key_a() -> TestKey {
    TestKey::new("key-a", KEY_A_PKCS1_DER)
}

pub(crate) fn key_b() -> TestKey {
    TestKey::new("key-b", KEY_B_PKCS1_DER)
}

pub(crate) fn key_c() -> TestKey {
    TestKey::new("key-c", KEY_C_PKCS1_DER)
}

pub(crate) fn v2_issuer() -> String {
    format!("https://login.microsoftonline.com/{TENANT}/v2.0")
}

pub(crate) fn v1_issuer() -> String {
    format!("https://sts.windows.net/{TENANT}/")
}

pub(crate) fn now() -> i64 {
    get_current_timestamp() as i64
}

/// An Entra v2.0 access token's claims for a user signed in to the web front end.
pub(crate) fn user_claims() -> Value {
    let now = now();
    json!({
        "aud": API_CLIENT_ID,
        "iss": v2_issuer(),
        "iat": now - 60,
        "nbf": now - 60,
        "exp": now + 3600,
        "aio": "AWQAm/8TAAAA",
        "azp": WEB_CLIENT_ID,
        "azpacr": "0",
        "name": "Ada Lovelace",
        "oid": USER_OID,
        "preferred_username": "ada@contoso.example",
        "rh": "0.AAAA",
        "roles": ["DataProducer", "DataReader"],
        "scp": "Products.Read  Products.Write",
        "sub": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
        "tid": TENANT,
        "uti": "fqiBqXLPj0eQa82S-IYFAA",
        "ver": "2.0"
    })
}

/// An Entra v2.0 access token's claims for the pipeline acting as itself.
pub(crate) fn machine_claims() -> Value {
    let now = now();
    json!({
        "aud": format!("api://{API_CLIENT_ID}"),
        "iss": v2_issuer(),
        "iat": now - 60,
        "nbf": now - 60,
        "exp": now + 3600,
        "azp": PIPELINE_CLIENT_ID,
        "azpacr": "1",
        "idtyp": "app",
        "oid": PIPELINE_SP_OID,
        "roles": ["DataSteward"],
        "sub": PIPELINE_SP_OID,
        "tid": TENANT,
        "ver": "2.0"
    })
}

/// `claims` with the fields of `changes` set, or removed where they are `null`.
pub(crate) fn with(mut claims: Value, changes: Value) -> Value {
    let object = claims.as_object_mut().expect("claims are an object");
    for (name, value) in changes.as_object().expect("changes are an object") {
        if value.is_null() {
            object.remove(name);
        } else {
            object.insert(name.clone(), value.clone());
        }
    }
    claims
}

/// A compact JWS with any header and claims and a made-up signature.
pub(crate) fn forge(header: &Value, claims: &Value, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

/// An RS256 token naming a key id nobody publishes, with a junk signature: what a flood of
/// made-up tokens looks like (its signature is never looked at).
pub(crate) fn with_unknown_kid(kid: &str) -> String {
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": kid});
    forge(&header, &user_claims(), &[0x5a; 256])
}

#[derive(Clone)]
pub(crate) struct IdpState {
    pub(crate) base: String,
    pub(crate) jwks: Arc<Mutex<Value>>,
    pub(crate) jwks_status: Arc<AtomicU16>,
    pub(crate) jwks_delay: Arc<Mutex<Duration>>,
    pub(crate) jwks_fetches: Arc<AtomicUsize>,
    pub(crate) discovery_fetches: Arc<AtomicUsize>,
    /// Codes issued by the browser sign-in (`identity_provider_flow`), not yet redeemed.
    pub(crate) codes: Arc<Mutex<HashMap<String, Issued>>>,
    pub(crate) tokens_issued: Arc<AtomicUsize>,
    /// The grant of every token issued to `daap login` (`identity_provider_grants`).
    pub(crate) grants: Arc<Mutex<Vec<String>>>,
    /// Device codes issued, with how often each was polled.
    pub(crate) device_codes: Arc<Mutex<HashMap<String, u32>>>,
    /// The `expires_in` those tokens are issued with (seconds).
    pub(crate) token_lifetime: Arc<AtomicI64>,
}

/// A fake Entra ID tenant on 127.0.0.1: discovery at `/<tenant>/v2.0/...`, keys at
/// `/<tenant>/discovery/v2.0/keys`, as Entra lays them out.
pub(crate) struct FakeIdp {
    pub(crate) state: IdpState,
}

impl FakeIdp {
    pub(crate) async fn start(keys: &[&TestKey]) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let address = listener.local_addr().expect("the bound address");
        let state = IdpState {
            base: format!("http://{address}"),
            jwks: Arc::new(Mutex::new(Value::Null)),
            jwks_status: Arc::new(AtomicU16::new(200)),
            jwks_delay: Arc::new(Mutex::new(Duration::ZERO)),
            jwks_fetches: Arc::new(AtomicUsize::new(0)),
            discovery_fetches: Arc::new(AtomicUsize::new(0)),
            codes: Arc::default(),
            tokens_issued: Arc::new(AtomicUsize::new(0)),
            grants: Arc::default(),
            device_codes: Arc::default(),
            token_lifetime: Arc::new(AtomicI64::new(3600)),
        };
        let router = Router::new()
            .route(
                &format!("/{TENANT}/v2.0/.well-known/openid-configuration"),
                get(discovery),
            )
            .route(&format!("/{TENANT}/discovery/v2.0/keys"), get(jwks))
            .route(&format!("/{TENANT}/v2.0/authorize"), get(authorize))
            .route(&format!("/{TENANT}/v2.0/token"), post(token))
            .route(
                &format!("/{TENANT}/oauth2/v2.0/token"),
                post(identity_provider_grants::token),
            )
            .route(
                &format!("/{TENANT}/oauth2/v2.0/devicecode"),
                post(identity_provider_grants::device_authorization),
            )
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        let idp = Self { state };
        idp.publish(keys);
        idp
    }

    /// Serve these keys from now on.
    pub(crate) fn publish(&self, keys: &[&TestKey]) {
        let keys: Vec<Value> = keys.iter().map(|key| key.jwk.clone()).collect();
        *self.state.jwks.lock().unwrap() = json!({ "keys": keys });
    }

    pub(crate) fn fail_jwks_with(&self, status: StatusCode) {
        self.state
            .jwks_status
            .store(status.as_u16(), Ordering::SeqCst);
    }

    pub(crate) fn delay_jwks(&self, delay: Duration) {
        *self.state.jwks_delay.lock().unwrap() = delay;
    }

    pub(crate) fn jwks_fetches(&self) -> usize {
        self.state.jwks_fetches.load(Ordering::SeqCst)
    }

    pub(crate) fn discovery_fetches(&self) -> usize {
        self.state.discovery_fetches.load(Ordering::SeqCst)
    }

    pub(crate) fn authority(&self) -> String {
        format!("{}/{TENANT}/v2.0", self.state.base)
    }

    /// The authority `daap login --authority` takes: token and device code endpoints are
    /// under `<authority>/oauth2/v2.0/`, as in Entra.
    pub(crate) fn login_authority(&self) -> String {
        format!("{}/{TENANT}", self.state.base)
    }

    /// The grants of the tokens issued to `daap login`, in order.
    pub(crate) fn grants(&self) -> Vec<String> {
        self.state.grants.lock().unwrap().clone()
    }

    pub(crate) fn jwks_url(&self) -> String {
        format!("{}/{TENANT}/discovery/v2.0/keys", self.state.base)
    }

    /// The tenant's real issuer and the API's audiences, with discovery on this server.
    pub(crate) fn config(&self) -> AuthConfig {
        let mut config = AuthConfig::entra(TENANT, API_CLIENT_ID);
        config.authority = self.authority();
        config
    }

    pub(crate) fn validator(&self, config: AuthConfig) -> TokenValidator {
        let http = http_client_builder()
            .no_proxy()
            .build()
            .expect("an HTTP client");
        TokenValidator::new(config, http)
    }
}

async fn discovery(State(state): State<IdpState>) -> Response {
    state.discovery_fetches.fetch_add(1, Ordering::SeqCst);
    axum::Json(json!({
        "issuer": v2_issuer(),
        "authorization_endpoint": format!("{}/{TENANT}/oauth2/v2.0/authorize", state.base),
        "token_endpoint": format!("{}/{TENANT}/oauth2/v2.0/token", state.base),
        "jwks_uri": format!("{}/{TENANT}/discovery/v2.0/keys", state.base),
        "id_token_signing_alg_values_supported": ["RS256"]
    }))
    .into_response()
}

async fn jwks(State(state): State<IdpState>) -> Response {
    state.jwks_fetches.fetch_add(1, Ordering::SeqCst);
    let delay = *state.jwks_delay.lock().unwrap();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let status = StatusCode::from_u16(state.jwks_status.load(Ordering::SeqCst)).unwrap();
    if status != StatusCode::OK {
        return status.into_response();
    }
    let body = state.jwks.lock().unwrap().clone();
    axum::Json(body).into_response()
}

/// Waits up to 5 s for `condition`.
pub(crate) async fn eventually(what: &str, condition: impl Fn() -> bool) {
    for _ in 0..500 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting until {what}");
}

pub(crate) fn headers(authorization: &[&str]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for value in authorization {
        headers.append(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
    }
    headers
}

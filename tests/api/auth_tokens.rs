//! Bearer token validation (`daap::auth`) against a fake OpenID Connect provider served on a
//! loopback port by each test: discovery, a JWKS whose fetches are counted, and RS256 keys
//! from the fixtures below. No database is involved.

use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use daap::auth::{AuthConfig, AuthError, TokenValidator, bearer_token, http_client_builder};
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use jsonwebtoken::{Algorithm, EncodingKey, Header, get_current_timestamp};
use serde_json::{Value, json};
use tokio::task::JoinSet;

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
    kid: String,
    encoding: EncodingKey,
    jwk: Value,
}

impl TestKey {
    fn new(kid: &str, pkcs1_der_base64: &str) -> Self {
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
    fn sign_as(&self, kid: &str, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid.to_owned());
        jsonwebtoken::encode(&header, claims, &self.encoding).expect("signing works")
    }

    /// The modulus, as the HMAC secret of an algorithm-confusion attack.
    fn public_modulus(&self) -> Vec<u8> {
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

fn v1_issuer() -> String {
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
fn forge(header: &Value, claims: &Value, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

/// An RS256 token naming a key id nobody publishes, with a junk signature: what a flood of
/// made-up tokens looks like (its signature is never looked at).
fn with_unknown_kid(kid: &str) -> String {
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": kid});
    forge(&header, &user_claims(), &[0x5a; 256])
}

#[derive(Clone)]
struct IdpState {
    base: String,
    jwks: Arc<Mutex<Value>>,
    jwks_status: Arc<AtomicU16>,
    jwks_delay: Arc<Mutex<Duration>>,
    jwks_fetches: Arc<AtomicUsize>,
    discovery_fetches: Arc<AtomicUsize>,
}

/// A fake Entra ID tenant on 127.0.0.1: discovery at `/<tenant>/v2.0/...`, keys at
/// `/<tenant>/discovery/v2.0/keys`, as Entra lays them out.
pub(crate) struct FakeIdp {
    state: IdpState,
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
        };
        let router = Router::new()
            .route(
                &format!("/{TENANT}/v2.0/.well-known/openid-configuration"),
                get(discovery),
            )
            .route(&format!("/{TENANT}/discovery/v2.0/keys"), get(jwks))
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        let idp = Self { state };
        idp.publish(keys);
        idp
    }

    /// Serve these keys from now on.
    fn publish(&self, keys: &[&TestKey]) {
        let keys: Vec<Value> = keys.iter().map(|key| key.jwk.clone()).collect();
        *self.state.jwks.lock().unwrap() = json!({ "keys": keys });
    }

    fn fail_jwks_with(&self, status: StatusCode) {
        self.state
            .jwks_status
            .store(status.as_u16(), Ordering::SeqCst);
    }

    fn delay_jwks(&self, delay: Duration) {
        *self.state.jwks_delay.lock().unwrap() = delay;
    }

    fn jwks_fetches(&self) -> usize {
        self.state.jwks_fetches.load(Ordering::SeqCst)
    }

    fn discovery_fetches(&self) -> usize {
        self.state.discovery_fetches.load(Ordering::SeqCst)
    }

    fn authority(&self) -> String {
        format!("{}/{TENANT}/v2.0", self.state.base)
    }

    fn jwks_url(&self) -> String {
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
async fn eventually(what: &str, condition: impl Fn() -> bool) {
    for _ in 0..500 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting until {what}");
}

fn headers(authorization: &[&str]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for value in authorization {
        headers.append(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
    }
    headers
}

#[tokio::test]
async fn a_valid_user_token_yields_the_user_from_oid_name_preferred_username_roles_and_scp() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let validator = idp.validator(idp.config());

    let principal = validator.validate(&key.sign(&user_claims())).await.unwrap();

    assert_eq!(principal.id, USER_OID, "the identity is oid, not sub");
    assert_eq!(principal.display_name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(principal.email.as_deref(), Some("ada@contoso.example"));
    assert_eq!(principal.client_id.as_deref(), Some(WEB_CLIENT_ID));
    assert!(!principal.is_application);
    assert_eq!(principal.roles, ["DataProducer", "DataReader"]);
    assert_eq!(principal.scopes, ["Products.Read", "Products.Write"]);
    assert!(principal.has_role(&validator.role_names().producer));
    assert!(principal.has_role("DataReader"));
    assert!(!principal.has_role(&validator.role_names().steward));
    assert!(
        !principal.has_role("dataproducer"),
        "roles are case-sensitive"
    );
    assert!(principal.has_scope("Products.Write"));
    assert_eq!(idp.discovery_fetches(), 1);
    assert_eq!(idp.jwks_fetches(), 1);
}

#[tokio::test]
async fn a_valid_machine_token_yields_the_application_by_its_client_id_with_roles_and_no_user() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let validator = idp.validator(idp.config());

    let principal = validator
        .validate(&key.sign(&machine_claims()))
        .await
        .unwrap();

    assert_eq!(
        principal.id, PIPELINE_CLIENT_ID,
        "an application is its client id"
    );
    assert_eq!(principal.client_id.as_deref(), Some(PIPELINE_CLIENT_ID));
    assert!(principal.is_application);
    assert_eq!(principal.display_name, None);
    assert_eq!(principal.email, None);
    assert_eq!(principal.roles, ["DataSteward"]);
    assert!(principal.scopes.is_empty());
    assert!(principal.has_role(&validator.role_names().steward));
}

#[tokio::test]
async fn a_v1_machine_token_without_idtyp_is_an_application_identified_by_appid() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let validator = idp.validator(idp.config().with_entra_v1_issuer(TENANT));
    let claims = with(
        machine_claims(),
        json!({"iss": v1_issuer(), "ver": "1.0", "idtyp": null, "azp": null, "azpacr": null,
               "appid": PIPELINE_CLIENT_ID, "appidacr": "1"}),
    );

    let principal = validator.validate(&key.sign(&claims)).await.unwrap();

    assert!(principal.is_application);
    assert_eq!(principal.id, PIPELINE_CLIENT_ID);
    assert_eq!(principal.roles, ["DataSteward"]);
}

#[tokio::test]
async fn a_user_token_falls_back_to_email_then_upn_for_the_email() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let validator = idp.validator(idp.config());
    let by_email = with(
        user_claims(),
        json!({"preferred_username": null, "email": "ada@mail.example", "upn": "ada@upn.example"}),
    );
    let by_upn = with(
        user_claims(),
        json!({"preferred_username": null, "upn": "ada@upn.example"}),
    );

    let principal = validator.validate(&key.sign(&by_email)).await.unwrap();
    assert_eq!(principal.email.as_deref(), Some("ada@mail.example"));
    let principal = validator.validate(&key.sign(&by_upn)).await.unwrap();
    assert_eq!(principal.email.as_deref(), Some("ada@upn.example"));
    assert!(!principal.is_application, "scp makes it a user's token");
}

#[tokio::test]
async fn a_user_token_without_oid_is_refused_naming_the_claim() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let validator = idp.validator(idp.config());
    let claims = with(user_claims(), json!({"oid": null}));

    let error = validator.validate(&key.sign(&claims)).await.unwrap_err();

    assert_eq!(error, AuthError::MissingClaim("oid"));
    assert!(!error.to_string().contains(USER_OID));
}

#[tokio::test]
async fn a_token_without_a_numeric_exp_or_with_a_non_numeric_nbf_is_refused() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let validator = idp.validator(idp.config());

    for exp in [json!(null), json!("tomorrow")] {
        let claims = with(user_claims(), json!({ "exp": exp }));
        assert_eq!(
            validator.validate(&key.sign(&claims)).await,
            Err(AuthError::MissingClaim("exp")),
            "{exp}"
        );
    }
    let text_nbf = with(user_claims(), json!({"nbf": "now"}));
    assert_eq!(
        validator.validate(&key.sign(&text_nbf)).await,
        Err(AuthError::InvalidClaim("nbf"))
    );
}

#[test]
fn the_bearer_token_is_taken_from_the_authorization_header_whatever_the_scheme_case() {
    for value in [
        "Bearer abc.def.ghi",
        "bearer abc.def.ghi",
        "BEARER   abc.def.ghi  ",
    ] {
        assert_eq!(
            bearer_token(&headers(&[value])),
            Ok("abc.def.ghi"),
            "{value}"
        );
    }
}

#[test]
fn a_request_without_a_bearer_authorization_header_is_missing_a_token() {
    assert_eq!(bearer_token(&HeaderMap::new()), Err(AuthError::Missing));
    assert_eq!(
        bearer_token(&headers(&["Basic YWRhOnNlY3JldA=="])),
        Err(AuthError::Missing)
    );
    assert_eq!(
        bearer_token(&headers(&["Bearerabc"])),
        Err(AuthError::Missing)
    );
    let error = AuthError::Missing;
    assert_eq!(error.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        error.www_authenticate(),
        "Bearer",
        "no error code without a token"
    );
}

#[test]
fn an_empty_spaced_or_repeated_bearer_header_is_malformed() {
    for value in ["Bearer", "Bearer   ", "Bearer abc def"] {
        assert_eq!(
            bearer_token(&headers(&[value])),
            Err(AuthError::Malformed),
            "{value}"
        );
    }
    assert_eq!(
        bearer_token(&headers(&["Bearer a.b.c", "Bearer d.e.f"])),
        Err(AuthError::Malformed)
    );
    let mut opaque = HeaderMap::new();
    opaque.insert(
        AUTHORIZATION,
        HeaderValue::from_bytes(b"Bearer caf\xc3\xa9").unwrap(),
    );
    assert_eq!(bearer_token(&opaque), Err(AuthError::Malformed));
}

#[tokio::test]
async fn a_token_that_is_not_a_signed_jwt_is_malformed_and_fetches_no_keys() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let validator = idp.validator(idp.config());
    let valid = key.sign(&user_claims());
    let (header, _) = valid.split_once('.').unwrap();
    let too_long = format!("{}.{}.x", header, "A".repeat(20_000));

    for token in [
        "",
        "not-a-jwt",
        "a.b",
        "a.b.c.d",
        "a.b.c.d.e",
        "!!!.###.$$$",
        "e30.e30.e30",
        ".e30.",
        &format!("{valid}.extra"),
        &too_long,
    ] {
        assert_eq!(
            validator.validate(token).await.unwrap_err(),
            AuthError::Malformed,
            "{token:.40}"
        );
    }
    assert_eq!(idp.jwks_fetches(), 0);
}

#[tokio::test]
async fn a_token_with_alg_none_is_refused_before_any_key_is_fetched() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let validator = idp.validator(idp.config());

    for alg in ["none", "None", "NONE"] {
        let header = json!({"alg": alg, "typ": "JWT", "kid": key.kid});
        let token = forge(&header, &user_claims(), b"");
        let error = validator.validate(&token).await.unwrap_err();
        assert_eq!(error, AuthError::UnsupportedAlgorithm(alg.to_owned()));
    }
    let no_alg = forge(
        &json!({"typ": "JWT", "kid": key.kid}),
        &user_claims(),
        b"sig",
    );
    assert_eq!(
        validator.validate(&no_alg).await.unwrap_err(),
        AuthError::Malformed
    );
    assert_eq!(idp.jwks_fetches(), 0);
}

#[tokio::test]
async fn an_hs256_token_keyed_with_the_public_key_is_refused_before_any_key_is_fetched() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let validator = idp.validator(idp.config());
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(key.kid.clone());
    let hmac_with_public_key = EncodingKey::from_secret(&key.public_modulus());
    let hmac_with_jwk_text = EncodingKey::from_secret(key.jwk.to_string().as_bytes());

    for secret in [&hmac_with_public_key, &hmac_with_jwk_text] {
        let token = jsonwebtoken::encode(&header, &user_claims(), secret).unwrap();
        let error = validator.validate(&token).await.unwrap_err();
        assert_eq!(error, AuthError::UnsupportedAlgorithm("HS256".to_owned()));
    }
    for alg in ["RS384", "PS256", "ES256", "EdDSA"] {
        let header = json!({"alg": alg, "kid": key.kid});
        let token = forge(&header, &user_claims(), &[7; 256]);
        let error = validator.validate(&token).await.unwrap_err();
        assert_eq!(error, AuthError::UnsupportedAlgorithm(alg.to_owned()));
    }
    let odd = forge(
        &json!({"alg": "RS256\"; x", "kid": key.kid}),
        &user_claims(),
        b"s",
    );
    assert_eq!(
        validator.validate(&odd).await.unwrap_err(),
        AuthError::UnsupportedAlgorithm("unrecognised".to_owned()),
        "an implausible alg is not kept"
    );
    assert_eq!(idp.jwks_fetches(), 0);
}

#[tokio::test]
async fn a_token_signed_by_another_key_under_a_published_kid_has_a_bad_signature() {
    let (published, impostor) = (key_a(), key_b());
    let idp = FakeIdp::start(&[&published]).await;
    let validator = idp.validator(idp.config());

    let token = impostor.sign_as(&published.kid, &user_claims());

    assert_eq!(
        validator.validate(&token).await.unwrap_err(),
        AuthError::BadSignature
    );
}

#[tokio::test]
async fn a_token_whose_claims_were_changed_after_signing_has_a_bad_signature() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let validator = idp.validator(idp.config());
    let token = key.sign(&user_claims());
    let (header, rest) = token.split_once('.').unwrap();
    let (_, signature) = rest.split_once('.').unwrap();
    let promoted = with(user_claims(), json!({"roles": ["DataSteward"]}));
    let tampered = format!(
        "{header}.{}.{signature}",
        URL_SAFE_NO_PAD.encode(promoted.to_string())
    );

    assert_eq!(
        validator.validate(&tampered).await.unwrap_err(),
        AuthError::BadSignature
    );
}

#[tokio::test]
async fn fifty_concurrent_tokens_with_unknown_kids_cause_one_refresh_and_the_min_interval_blocks_more()
 {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let validator = idp.validator(idp.config());
    validator.validate(&key.sign(&user_claims())).await.unwrap();
    assert_eq!(idp.jwks_fetches(), 1);
    // Slow key fetches make sure every token arrives while the refresh is under way.
    idp.delay_jwks(Duration::from_millis(300));

    let mut tasks = JoinSet::new();
    for i in 0..50 {
        let validator = validator.clone();
        let token = with_unknown_kid(&format!("unknown-{i}"));
        tasks.spawn(async move { validator.validate(&token).await });
    }
    let results = tasks.join_all().await;

    assert_eq!(results.len(), 50);
    assert!(results.iter().all(|r| *r == Err(AuthError::UnknownKey)));
    assert_eq!(idp.jwks_fetches(), 2, "exactly one refresh for all fifty");

    for i in 50..60 {
        let token = with_unknown_kid(&format!("unknown-{i}"));
        let error = validator.validate(&token).await.unwrap_err();
        assert_eq!(error, AuthError::UnknownKey);
    }
    assert_eq!(
        idp.jwks_fetches(),
        2,
        "no refresh within the minimum interval"
    );
    validator.validate(&key.sign(&user_claims())).await.unwrap();
    assert_eq!(idp.discovery_fetches(), 1, "discovery is cached");
}

#[tokio::test]
async fn an_unknown_kid_after_the_min_interval_causes_one_more_refresh() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let mut config = idp.config();
    config.min_unknown_kid_refresh_interval = Duration::from_secs(1);
    let validator = idp.validator(config);
    validator.validate(&key.sign(&user_claims())).await.unwrap();
    let unknown = key.sign_as("unknown", &user_claims());

    assert_eq!(
        validator.validate(&unknown).await,
        Err(AuthError::UnknownKey)
    );
    assert_eq!(
        validator.validate(&unknown).await,
        Err(AuthError::UnknownKey)
    );
    assert_eq!(idp.jwks_fetches(), 2);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        validator.validate(&unknown).await,
        Err(AuthError::UnknownKey)
    );
    assert_eq!(
        validator.validate(&unknown).await,
        Err(AuthError::UnknownKey)
    );
    assert_eq!(idp.jwks_fetches(), 3);
}

#[tokio::test]
async fn after_key_rotation_a_token_with_the_new_kid_validates_and_the_retired_key_is_dropped() {
    let (old, new) = (key_a(), key_c());
    let idp = FakeIdp::start(&[&old]).await;
    let validator = idp.validator(idp.config());
    validator.validate(&old.sign(&user_claims())).await.unwrap();

    idp.publish(&[&new]);
    let principal = validator.validate(&new.sign(&user_claims())).await.unwrap();

    assert_eq!(principal.id, USER_OID);
    assert_eq!(idp.jwks_fetches(), 2, "the new kid caused one refresh");
    assert_eq!(
        validator.validate(&old.sign(&user_claims())).await,
        Err(AuthError::UnknownKey),
        "a key the provider no longer publishes is no longer trusted"
    );
    assert_eq!(idp.jwks_fetches(), 2);
}

#[tokio::test]
async fn both_keys_validate_while_the_provider_publishes_both_during_a_rollover() {
    let (old, new) = (key_a(), key_c());
    let idp = FakeIdp::start(&[&old, &new]).await;
    let validator = idp.validator(idp.config());

    validator.validate(&old.sign(&user_claims())).await.unwrap();
    validator
        .validate(&new.sign(&machine_claims()))
        .await
        .unwrap();

    assert_eq!(idp.jwks_fetches(), 1);
}

#[tokio::test]
async fn a_token_from_another_issuer_is_refused() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let validator = idp.validator(idp.config());

    for issuer in [
        json!("https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0"),
        json!(format!("{}/", v2_issuer())),
        json!("https://evil.example/"),
    ] {
        let claims = with(user_claims(), json!({ "iss": issuer }));
        let error = validator.validate(&key.sign(&claims)).await.unwrap_err();
        assert_eq!(error, AuthError::WrongIssuer, "{issuer}");
    }
    let no_issuer = with(user_claims(), json!({"iss": null}));
    assert_eq!(
        validator.validate(&key.sign(&no_issuer)).await.unwrap_err(),
        AuthError::MissingClaim("iss")
    );
}

#[tokio::test]
async fn a_token_for_another_audience_is_refused_and_either_form_of_the_api_id_is_accepted() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let validator = idp.validator(idp.config());

    for audience in [
        json!(API_CLIENT_ID),
        json!(format!("api://{API_CLIENT_ID}")),
        json!(["https://graph.microsoft.com", API_CLIENT_ID]),
    ] {
        let claims = with(user_claims(), json!({ "aud": audience }));
        assert!(
            validator.validate(&key.sign(&claims)).await.is_ok(),
            "{audience}"
        );
    }
    for audience in [
        json!("https://graph.microsoft.com"),
        json!(WEB_CLIENT_ID),
        json!([]),
    ] {
        let claims = with(user_claims(), json!({ "aud": audience }));
        let error = validator.validate(&key.sign(&claims)).await.unwrap_err();
        assert_eq!(error, AuthError::WrongAudience, "{audience}");
    }
    let no_audience = with(user_claims(), json!({"aud": null}));
    assert_eq!(
        validator
            .validate(&key.sign(&no_audience))
            .await
            .unwrap_err(),
        AuthError::MissingClaim("aud")
    );
}

#[tokio::test]
async fn an_expired_token_is_refused_unless_it_expired_within_the_leeway() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let validator = idp.validator(idp.config());
    let just_expired = with(user_claims(), json!({"exp": now() - 30}));
    let expired = with(user_claims(), json!({"exp": now() - 120}));

    assert!(validator.validate(&key.sign(&just_expired)).await.is_ok());
    let error = validator.validate(&key.sign(&expired)).await.unwrap_err();
    assert_eq!(error, AuthError::Expired);
    assert_eq!(
        error.www_authenticate(),
        "Bearer error=\"invalid_token\", error_description=\"the token has expired\""
    );

    let mut strict = idp.config();
    strict.leeway = Duration::ZERO;
    let strict = idp.validator(strict);
    assert_eq!(
        strict.validate(&key.sign(&just_expired)).await,
        Err(AuthError::Expired)
    );
}

#[tokio::test]
async fn a_token_not_yet_valid_is_refused_unless_it_starts_within_the_leeway() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let validator = idp.validator(idp.config());
    let starts_soon = with(user_claims(), json!({"nbf": now() + 30}));
    let starts_later = with(user_claims(), json!({"nbf": now() + 120}));

    assert!(validator.validate(&key.sign(&starts_soon)).await.is_ok());
    assert_eq!(
        validator.validate(&key.sign(&starts_later)).await,
        Err(AuthError::NotYetValid)
    );
}

#[tokio::test]
async fn a_v1_issuer_is_accepted_only_when_configured() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let v1_token = key.sign(&with(
        user_claims(),
        json!({"iss": v1_issuer(), "ver": "1.0", "azp": null, "appid": WEB_CLIENT_ID,
               "preferred_username": null, "upn": "ada@contoso.example",
               "unique_name": "ada@contoso.example"}),
    ));

    let v2_only = idp.validator(idp.config());
    assert_eq!(
        v2_only.validate(&v1_token).await,
        Err(AuthError::WrongIssuer)
    );

    let with_v1 = idp.validator(idp.config().with_entra_v1_issuer(TENANT));
    let principal = with_v1.validate(&v1_token).await.unwrap();
    assert_eq!(principal.id, USER_OID);
    assert_eq!(principal.client_id.as_deref(), Some(WEB_CLIENT_ID));
    assert_eq!(principal.email.as_deref(), Some("ada@contoso.example"));
    assert!(with_v1.validate(&key.sign(&user_claims())).await.is_ok());
}

#[tokio::test]
async fn keys_are_unavailable_while_the_provider_fails_and_fetches_back_off() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    idp.fail_jwks_with(StatusCode::INTERNAL_SERVER_ERROR);
    let mut config = idp.config();
    config.failed_fetch_backoff = Duration::from_secs(1);
    let validator = idp.validator(config);
    let token = key.sign(&user_claims());

    let error = validator.validate(&token).await.unwrap_err();
    assert_eq!(error, AuthError::KeysUnavailable);
    assert_eq!(error.status(), StatusCode::SERVICE_UNAVAILABLE);
    for _ in 0..10 {
        assert_eq!(
            validator.validate(&token).await,
            Err(AuthError::KeysUnavailable)
        );
    }
    assert_eq!(idp.jwks_fetches(), 1, "no fetch during the back-off");

    idp.fail_jwks_with(StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    validator.validate(&token).await.unwrap();
    assert_eq!(idp.jwks_fetches(), 2);
}

#[tokio::test]
async fn keys_already_fetched_keep_working_while_the_provider_fails() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let mut config = idp.config();
    config.jwks_refresh_interval = Duration::from_millis(100);
    let validator = idp.validator(config);
    validator.validate(&key.sign(&user_claims())).await.unwrap();

    idp.fail_jwks_with(StatusCode::SERVICE_UNAVAILABLE);
    tokio::time::sleep(Duration::from_millis(150)).await;
    validator.validate(&key.sign(&user_claims())).await.unwrap();
    eventually("the background refresh was tried", || {
        idp.jwks_fetches() == 2
    })
    .await;
    validator.validate(&key.sign(&user_claims())).await.unwrap();
    let unknown = key.sign_as("unknown", &user_claims());
    assert_eq!(
        validator.validate(&unknown).await,
        Err(AuthError::UnknownKey)
    );
}

#[tokio::test]
async fn stale_keys_are_refreshed_in_the_background_while_requests_go_on() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let mut config = idp.config();
    config.jwks_refresh_interval = Duration::from_millis(100);
    let validator = idp.validator(config);
    validator.validate(&key.sign(&user_claims())).await.unwrap();
    idp.delay_jwks(Duration::from_secs(2));
    tokio::time::sleep(Duration::from_millis(150)).await;

    let started = std::time::Instant::now();
    validator.validate(&key.sign(&user_claims())).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "the request did not wait for the slow refresh"
    );
    eventually("the background refresh ran", || idp.jwks_fetches() == 2).await;
}

#[tokio::test]
async fn the_refresh_task_fetches_at_once_then_on_every_interval_and_stops_with_the_validator() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let mut config = idp.config();
    config.jwks_refresh_interval = Duration::from_millis(100);
    let validator = idp.validator(config);

    let task = validator.spawn_key_refresh();
    eventually("the keys were fetched at start", || idp.jwks_fetches() >= 1).await;
    validator.validate(&key.sign(&user_claims())).await.unwrap();
    eventually("the keys were fetched three times", || {
        idp.jwks_fetches() >= 3
    })
    .await;

    drop(validator);
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the task ends once the validator is gone")
        .unwrap();
}

#[tokio::test]
async fn refresh_keys_fetches_now_and_the_jwks_url_override_skips_discovery() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let mut config = idp.config();
    config.authority = "http://127.0.0.1:9/nowhere".to_owned();
    config.jwks_url = Some(idp.jwks_url());
    let validator = idp.validator(config);

    validator.refresh_keys().await.unwrap();
    assert_eq!(idp.jwks_fetches(), 1);
    validator.validate(&key.sign(&user_claims())).await.unwrap();

    assert_eq!(idp.jwks_fetches(), 1);
    assert_eq!(idp.discovery_fetches(), 0);
}

#[tokio::test]
async fn a_key_set_without_a_usable_rs256_key_of_2048_bits_makes_keys_unavailable() {
    let key = key_a();
    let idp = FakeIdp::start(&[]).await;
    let validator = idp.validator(idp.config());
    let token = key.sign(&user_claims());
    let mut short = key.jwk.clone();
    short["n"] = json!(URL_SAFE_NO_PAD.encode([0xc5; 128]));
    let mut encryption = key.jwk.clone();
    encryption["use"] = json!("enc");
    let mut other_alg = key.jwk.clone();
    other_alg["alg"] = json!("RS512");
    let odd = json!({"kty": "EC", "kid": key.kid, "crv": "P-256", "x": "AA", "y": "AA"});
    *idp.state.jwks.lock().unwrap() = json!({"keys": [short, encryption, other_alg, odd]});

    assert_eq!(
        validator.validate(&token).await,
        Err(AuthError::KeysUnavailable)
    );
    assert_eq!(idp.jwks_fetches(), 1);
}

#[test]
fn descriptions_are_fixed_text_fit_for_a_www_authenticate_quoted_string() {
    let errors = [
        AuthError::Missing,
        AuthError::Malformed,
        AuthError::UnsupportedAlgorithm("HS256".to_owned()),
        AuthError::UnknownKey,
        AuthError::BadSignature,
        AuthError::Expired,
        AuthError::NotYetValid,
        AuthError::WrongIssuer,
        AuthError::WrongAudience,
        AuthError::MissingClaim("oid"),
        AuthError::InvalidClaim("exp"),
        AuthError::KeysUnavailable,
    ];
    for error in &errors {
        let description = error.description();
        assert!(
            !description.is_empty() && description.len() < 80,
            "{error:?}"
        );
        assert!(
            description
                .chars()
                .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' '),
            "{error:?}"
        );
        assert!(
            error
                .www_authenticate()
                .to_str()
                .unwrap()
                .starts_with("Bearer")
        );
    }
    assert_eq!(
        AuthError::BadSignature.www_authenticate(),
        "Bearer error=\"invalid_token\", error_description=\"the token signature is invalid\""
    );
    assert_eq!(
        AuthError::UnsupportedAlgorithm("HS256".to_owned()).to_string(),
        "the token's signing algorithm is not accepted (only RS256 is)",
        "the header's value is not displayed"
    );
}

#[tokio::test]
async fn no_error_or_debug_output_repeats_the_token_or_its_claims() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let validator = idp.validator(idp.config());
    let token = key.sign(&user_claims());
    let principal = validator.validate(&token).await.unwrap();
    let mut outputs = vec![format!("{principal:?}")];
    let expired = key.sign(&with(user_claims(), json!({"exp": now() - 3600})));
    let wrong_issuer = key.sign(&with(
        user_claims(),
        json!({"iss": "https://evil.example/"}),
    ));
    for bad in [&expired, &wrong_issuer, &format!("{token}x")] {
        let error = validator.validate(bad).await.unwrap_err();
        outputs.push(format!("{error} {error:?} {}", error.description()));
    }

    let secrets = [
        token.split('.').nth(1).unwrap().get(..12).unwrap(),
        USER_OID,
        "Ada Lovelace",
        "ada@contoso.example",
        WEB_CLIENT_ID,
        "evil.example",
    ];
    for output in &outputs {
        for secret in secrets {
            assert!(!output.contains(secret), "{output} shows {secret}");
        }
    }
    assert!(
        outputs[0].contains("DataProducer"),
        "roles are not personal data"
    );
}

#[test]
fn entra_configuration_accepts_the_api_client_id_in_both_forms_and_checks_itself() {
    let config = AuthConfig::entra(TENANT, API_CLIENT_ID);
    assert_eq!(config.authority, v2_issuer());
    assert_eq!(config.issuers, [v2_issuer()]);
    assert_eq!(
        config.audiences,
        [API_CLIENT_ID.to_owned(), format!("api://{API_CLIENT_ID}")]
    );
    assert_eq!(
        config.discovery_url(),
        format!("{}/.well-known/openid-configuration", v2_issuer())
    );
    assert_eq!(config.leeway, Duration::from_secs(60));
    assert_eq!(config.roles.producer, "DataProducer");
    assert_eq!(config.roles.steward, "DataSteward");
    assert_eq!(config.roles.reader, "DataReader");
    assert_eq!(config.check(), Ok(()));

    let both = config.clone().with_entra_v1_issuer(TENANT);
    assert_eq!(both.issuers, [v2_issuer(), v1_issuer()]);

    let mut none = config.clone();
    none.audiences.clear();
    assert!(none.check().is_err());
    let mut nowhere = config;
    nowhere.authority = "login.microsoftonline.com".to_owned();
    assert!(nowhere.check().is_err());
}

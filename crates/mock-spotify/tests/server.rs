//! The mock over real HTTP on loopback: the PKCE exchange, refresh rotation, paging a 10k
//! library, playlists, saving, every fault kind, CORS, removed endpoints, the app's origin.
//! Replies are decoded with the app's Spotify types (`encore-spotify`) where they exist, so the
//! mock and the app agree on the shapes; the mock itself checks requests with its own code.

use encore_spotify::api::{
    ErrorBody, Paging, PlaylistItem, SavedTrack, SimplifiedPlaylist, TokenResponse,
};
use encore_spotify::pkce::{Verifier, query_param};
use mock_spotify::{
    AppSite, EDITORIAL_PLAYLIST_ID, Library, LibraryParams, MockConfig, MockServer,
    generated_tracks, start,
};
use reqwest::{StatusCode, header};
use serde_json::{Value, json};

const REDIRECT_URI: &str = "http://127.0.0.1:8080/";
const CLIENT_ID: &str = "0123456789abcdef0123456789abcdef";
const READ_SCOPES: &str = "user-library-read user-top-read playlist-read-private playlist-read-collaborative user-read-recently-played";
const ALL_SCOPES: &str = "user-library-read user-top-read playlist-read-private playlist-read-collaborative \
                          user-read-recently-played playlist-modify-private";

struct Mock {
    server: MockServer,
    http: reqwest::Client,
}

async fn mock_with(liked: usize, config: MockConfig) -> Mock {
    let library = Library::from_tracks(
        generated_tracks(liked.max(1_000) * 2, 11),
        LibraryParams { liked, seed: 5 },
    )
    .expect("library");
    let server = start(config, library).await.expect("mock starts");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    Mock { server, http }
}

async fn mock(liked: usize) -> Mock {
    mock_with(liked, MockConfig::default()).await
}

fn verifier(seed: u8) -> Verifier {
    Verifier::from_random_bytes([seed; 32])
}

impl Mock {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }

    async fn authorize_with(&self, pairs: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .get(self.url("/authorize"))
            .query(pairs)
            .send()
            .await
            .expect("authorize")
    }

    /// `/authorize` with valid parameters; returns the redirect's `Location`.
    async fn authorize(&self, verifier: &Verifier, scope: &str) -> String {
        let challenge = verifier.challenge();
        let response = self
            .authorize_with(&[
                ("client_id", CLIENT_ID),
                ("response_type", "code"),
                ("redirect_uri", REDIRECT_URI),
                ("state", "st4te"),
                ("scope", scope),
                ("code_challenge_method", "S256"),
                ("code_challenge", &challenge),
            ])
            .await;
        assert_eq!(response.status(), StatusCode::FOUND);
        location(&response)
    }

    async fn token(&self, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let response = self
            .http
            .post(self.url("/api/token"))
            .form(form)
            .send()
            .await
            .expect("token");
        (
            response.status(),
            response.json().await.expect("token json"),
        )
    }

    async fn exchange(&self, code: &str, verifier: &Verifier) -> (StatusCode, Value) {
        self.token(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
            ("client_id", CLIENT_ID),
            ("code_verifier", verifier.as_str()),
        ])
        .await
    }

    async fn refresh(&self, refresh_token: &str) -> (StatusCode, Value) {
        self.token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", CLIENT_ID),
        ])
        .await
    }

    /// A full login; returns the access and refresh tokens.
    async fn login(&self, scope: &str) -> TokenResponse {
        let v = verifier(9);
        let code = redirect_param(&self.authorize(&v, scope).await, "code").expect("code");
        let (status, body) = self.exchange(&code, &v).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        serde_json::from_value(body).expect("token response")
    }

    async fn get(&self, path_or_url: &str, token: &str) -> reqwest::Response {
        let url = if path_or_url.starts_with("http") {
            path_or_url.to_owned()
        } else {
            self.url(path_or_url)
        };
        self.http
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .expect("get")
    }

    async fn get_json(&self, path_or_url: &str, token: &str) -> (StatusCode, Value) {
        let response = self.get(path_or_url, token).await;
        (response.status(), response.json().await.expect("json"))
    }

    async fn post_json(&self, path: &str, token: &str, body: &Value) -> (StatusCode, Value) {
        let response = self
            .http
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("post");
        (response.status(), response.json().await.expect("json"))
    }

    async fn control(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut request = self
            .http
            .request(method, self.url(&format!("/__mock{path}")));
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("control")
    }

    /// A control POST with a JSON body.
    async fn post(&self, path: &str, body: Value) -> reqwest::Response {
        self.control(reqwest::Method::POST, path, Some(body)).await
    }

    /// The liked library as the mock holds it, ids included.
    async fn library(&self) -> Value {
        self.control(reqwest::Method::GET, "/library?ids=true", None)
            .await
            .json()
            .await
            .expect("library")
    }

    async fn received(&self) -> Value {
        self.control(reqwest::Method::GET, "/received", None)
            .await
            .json()
            .await
            .expect("received")
    }

    async fn add_fault(&self, rule: Value) {
        let response = self
            .control(reqwest::Method::POST, "/faults", Some(rule))
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
}

/// A parameter of a redirect's query (`http://host/?code=..&state=..`).
fn redirect_param(location: &str, name: &str) -> Option<String> {
    query_param(location.split_once('?')?.1, name)
}

fn location(response: &reqwest::Response) -> String {
    response.headers()[header::LOCATION]
        .to_str()
        .expect("location")
        .to_owned()
}

fn api_message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn pkce_login_issues_tokens_once_and_records_what_it_received() {
    let m = mock(0).await;
    let v = verifier(1);
    let location = m.authorize(&v, READ_SCOPES).await;
    assert!(location.starts_with(REDIRECT_URI), "{location}");
    assert_eq!(redirect_param(&location, "state").as_deref(), Some("st4te"));
    let code = redirect_param(&location, "code").expect("code");

    let (status, body) = m.exchange(&code, &v).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], READ_SCOPES);
    let tokens: TokenResponse = serde_json::from_value(body).unwrap();
    let (status, me) = m.get_json("/v1/me", &tokens.access_token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["id"], mock_spotify::USER_ID);

    // Codes are single-use.
    let (status, body) = m.exchange(&code, &v).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );

    let received = m.received().await;
    let authorize = &received["authorize"][0];
    assert_eq!(authorize["code_challenge"], v.challenge());
    assert_eq!(authorize["code_challenge_method"], "S256");
    assert_eq!(authorize["state"], "st4te");
    assert_eq!(authorize["scope"], READ_SCOPES);
    assert_eq!(authorize["redirect_uri"], REDIRECT_URI);
    assert_eq!(authorize["outcome"], "code");
    let grants: Vec<&str> = received["token_requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["grant_type"].as_str().unwrap())
        .collect();
    assert_eq!(grants, ["authorization_code", "authorization_code"]);
    assert_eq!(received["token_requests"][1]["error"], "invalid_grant");
}

#[tokio::test]
async fn code_exchange_refuses_what_spotify_refuses() {
    let config = MockConfig {
        settings: mock_spotify::Settings {
            client_id: Some(CLIENT_ID.into()),
            ..MockConfig::default().settings
        },
        ..MockConfig::default()
    };
    let m = mock_with(0, config).await;
    let cases: [(&str, &str, &str, &str); 4] = [
        // (field to change, new value, expected error, expected description)
        (
            "code_verifier",
            &"x".repeat(43),
            "invalid_grant",
            "code_verifier was incorrect",
        ),
        (
            "redirect_uri",
            "http://127.0.0.1:9999/",
            "invalid_grant",
            "Invalid redirect URI",
        ),
        (
            "client_id",
            "someone-else",
            "invalid_client",
            "Invalid client",
        ),
        (
            "code",
            "not-a-code",
            "invalid_grant",
            "Invalid authorization code",
        ),
    ];
    for (field, value, error, description) in cases {
        let v = verifier(2);
        let code = redirect_param(&m.authorize(&v, READ_SCOPES).await, "code").unwrap();
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT_URI),
            ("client_id", CLIENT_ID),
            ("code_verifier", v.as_str()),
        ];
        form.iter_mut()
            .filter(|(k, _)| *k == field)
            .for_each(|pair| pair.1 = value);
        let (status, body) = m.token(&form).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}");
        assert_eq!(
            body,
            json!({ "error": error, "error_description": description }),
            "{field}"
        );
    }
    let (status, body) = m.token(&[("code", "x")]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unsupported_grant_type"))
    );
    // A JSON body is not a form: Spotify answers 400 too.
    let response = m
        .http
        .post(m.url("/api/token"))
        .json(&json!({"grant_type": "refresh_token"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
}

#[tokio::test]
async fn authorize_validates_like_spotify() {
    let m = mock(0).await;
    m.add_fault(json!({"kind": "access_denied", "path": "/authorize", "after": 5, "times": 1}))
        .await;
    let challenge = verifier(3).challenge();
    let good = [
        ("client_id", CLIENT_ID),
        ("response_type", "code"),
        ("redirect_uri", REDIRECT_URI),
        ("state", "s1"),
        ("scope", "user-library-read"),
        ("code_challenge_method", "S256"),
        ("code_challenge", challenge.as_str()),
    ];
    // (changed field, value, expected status, expected `error` in the redirect or None for a page)
    let cases = [
        (
            "redirect_uri",
            "http://localhost:8080/",
            StatusCode::BAD_REQUEST,
            None,
        ),
        ("client_id", "", StatusCode::BAD_REQUEST, None),
        (
            "response_type",
            "token",
            StatusCode::FOUND,
            Some("unsupported_response_type"),
        ),
        (
            "code_challenge_method",
            "plain",
            StatusCode::FOUND,
            Some("invalid_request"),
        ),
        (
            "scope",
            "user-library-read user-read-minds",
            StatusCode::FOUND,
            Some("invalid_scope"),
        ),
    ];
    for (field, value, status, error) in cases {
        let mut pairs = good.to_vec();
        pairs
            .iter_mut()
            .filter(|(k, _)| *k == field)
            .for_each(|pair| pair.1 = value);
        let response = m.authorize_with(&pairs).await;
        assert_eq!(response.status(), status, "{field}={value}");
        if let Some(error) = error {
            let location = location(&response);
            assert_eq!(
                redirect_param(&location, "error").as_deref(),
                Some(error),
                "{location}"
            );
            assert_eq!(redirect_param(&location, "state").as_deref(), Some("s1"));
        }
    }
    // The fault let the five requests above through; now the user "cancels".
    let response = m.authorize_with(&good).await;
    let location = location(&response);
    assert_eq!(
        redirect_param(&location, "error").as_deref(),
        Some("access_denied"),
        "{location}"
    );
    assert_eq!(redirect_param(&location, "state").as_deref(), Some("s1"));
    assert_eq!(redirect_param(&location, "code"), None);
    let received = m.received().await;
    assert_eq!(received["authorize"].as_array().unwrap().len(), 6);
    assert_eq!(received["authorize"][5]["outcome"], "access_denied");
}

#[tokio::test]
async fn refresh_tokens_rotate_and_the_old_one_is_revoked() {
    let m = mock(0).await;
    let first = m.login(READ_SCOPES).await;
    let old = first.refresh_token.clone().unwrap();
    let (status, body) = m.refresh(&old).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let second: TokenResponse = serde_json::from_value(body).unwrap();
    let new = second.refresh_token.clone().unwrap();
    assert_ne!(new, old);
    assert_eq!(second.scope, READ_SCOPES);
    assert_eq!(
        m.get("/v1/me", &second.access_token).await.status(),
        StatusCode::OK
    );

    let (status, body) = m.refresh(&old).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"error": "invalid_grant", "error_description": "Refresh token revoked"})
    );
    let (status, _) = m.refresh(&new).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn expired_and_unknown_tokens_get_401_and_a_refresh_recovers() {
    let m = mock(0).await;
    let tokens = m.login(READ_SCOPES).await;
    let (status, body) = m.get_json("/v1/me", "garbage").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body,
        json!({"error": {"status": 401, "message": "The access token expired"}})
    );
    let response = m.http.get(m.url("/v1/me")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    assert_eq!(
        m.control(reqwest::Method::POST, "/expire_tokens", None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let (status, body) = m.get_json("/v1/me/tracks", &tokens.access_token).await;
    assert_eq!(
        (status, api_message(&body)),
        (StatusCode::UNAUTHORIZED, "The access token expired")
    );
    let refresh = tokens.refresh_token.unwrap();
    let (status, body) = m.refresh(&refresh).await;
    assert_eq!(status, StatusCode::OK);
    let fresh = body["access_token"].as_str().unwrap();
    assert_eq!(m.get("/v1/me/tracks", fresh).await.status(), StatusCode::OK);

    // A zero lifetime set at runtime makes new tokens expire at once.
    m.control(
        reqwest::Method::POST,
        "/settings",
        Some(json!({"expires_in_s": 0})),
    )
    .await;
    let short = m.login(READ_SCOPES).await;
    assert_eq!(short.expires_in, 0);
    assert_eq!(
        m.get("/v1/me", &short.access_token).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn ten_thousand_liked_songs_page_completely_in_order() {
    let m = mock(10_000).await;
    let token = m.login(READ_SCOPES).await.access_token;
    let mut next = Some(m.url("/v1/me/tracks?limit=50"));
    let (mut ids, mut pages) = (Vec::new(), 0);
    while let Some(url) = next {
        let response = m.get(&url, &token).await;
        assert_eq!(response.status(), StatusCode::OK, "{url}");
        let page: Paging<SavedTrack> = response.json().await.unwrap();
        assert_eq!(page.total, Some(10_000));
        ids.extend(
            page.items
                .iter()
                .map(|s| s.track.as_ref().unwrap().id.clone().unwrap()),
        );
        next = page.next;
        pages += 1;
    }
    assert_eq!(pages, 200);
    let library: Value = m.library().await;
    let expected: Vec<String> = serde_json::from_value(library["liked_ids"].clone()).unwrap();
    assert_eq!(ids, expected);
    assert_eq!(library["liked_total"], 10_000);
}

/// Liked songs' ids and `added_at` as `GET /v1/me/tracks` pages them, newest first.
async fn liked_pages(m: &Mock, token: &str) -> Vec<(String, String)> {
    let mut next = Some(m.url("/v1/me/tracks?limit=50"));
    let mut liked = Vec::new();
    while let Some(url) = next {
        let page: Paging<SavedTrack> = m.get(&url, token).await.json().await.expect("a page");
        liked.extend(page.items.into_iter().map(|s| {
            let id = s.track.and_then(|t| t.id).expect("a track id");
            (id, s.added_at.expect("added_at"))
        }));
        next = page.next;
    }
    liked
}

#[tokio::test]
async fn liking_more_songs_puts_them_first_until_a_reset() {
    let m = mock(300).await;
    let token = m.login(READ_SCOPES).await.access_token;
    let before = liked_pages(&m, &token).await;

    let response = m.post("/like_more", json!({ "n": 120 })).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let added: Value = response.json().await.unwrap();
    assert_eq!(added["liked_total"], 420);
    let new_ids: Vec<String> = serde_json::from_value(added["ids"].clone()).unwrap();
    assert_eq!(new_ids.len(), 120);

    let after = liked_pages(&m, &token).await;
    let after_ids: Vec<&str> = after.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        after_ids[..120],
        new_ids.iter().map(String::as_str).collect::<Vec<_>>()[..]
    );
    assert_eq!(
        after[120..],
        before[..],
        "the earlier songs follow, unchanged"
    );
    // RFC 3339 timestamps in UTC of one width compare in time order as strings.
    assert!(
        after.windows(2).all(|w| w[0].1 > w[1].1),
        "newest first, every new song saved after every earlier one"
    );
    let mut distinct = after_ids.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 420, "no song liked twice");
    let library: Value = m.library().await;
    assert_eq!(library["liked_total"], 420);
    assert_eq!(library["liked_ids"], json!(after_ids));

    // More than the pool holds is refused and changes nothing.
    let response = m.post("/like_more", json!({ "n": 5_000 })).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = m.post("/like_more", json!({ "count": 1 })).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    m.control(reqwest::Method::POST, "/reset", None).await;
    let token = m.login(READ_SCOPES).await.access_token;
    assert_eq!(
        liked_pages(&m, &token).await,
        before,
        "a reset forgets the new likes"
    );
}

#[tokio::test]
async fn unliked_songs_leave_the_list_and_the_rest_keep_their_order() {
    let m = mock(120).await;
    let token = m.login(READ_SCOPES).await.access_token;
    let before = liked_pages(&m, &token).await;
    let gone = [before[0].0.clone(), before[77].0.clone()];

    // An id that is not liked refuses the whole request.
    let other = "0000000000000000000001";
    let response = m.post("/unlike", json!({ "ids": [gone[0], other] })).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let message: Value = response.json().await.unwrap();
    assert!(
        message["error"]["message"]
            .as_str()
            .unwrap()
            .contains(other),
        "{message}"
    );
    assert_eq!(liked_pages(&m, &token).await, before);

    let response = m.post("/unlike", json!({ "ids": gone })).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["liked_total"], 118);
    let expected: Vec<_> = before
        .iter()
        .filter(|(id, _)| !gone.contains(id))
        .cloned()
        .collect();
    assert_eq!(liked_pages(&m, &token).await, expected);
}

#[tokio::test]
async fn saved_track_objects_carry_what_the_app_reads() {
    let m = mock(10).await;
    let token = m.login(READ_SCOPES).await.access_token;
    let (_, page) = m.get_json("/v1/me/tracks?limit=1", &token).await;
    let item = &page["items"][0];
    assert!(item["added_at"].as_str().unwrap().ends_with('Z'));
    let track = &item["track"];
    assert_eq!(track["type"], "track");
    assert_eq!(track["preview_url"], Value::Null);
    assert!(track.get("popularity").is_none());
    assert_eq!(track["external_ids"]["isrc"].as_str().unwrap().len(), 12);
    assert!(track["artists"][0]["id"].is_string());
    assert!(track["album"]["release_date"].is_string());
    assert!(
        track["external_urls"]["spotify"]
            .as_str()
            .unwrap()
            .starts_with("https://open.spotify.com/track/")
    );
    assert!(page["next"].as_str().unwrap().starts_with(m.server.url()));
    assert_eq!(page["previous"], Value::Null);
}

#[tokio::test]
async fn paging_parameters_are_validated_with_json_errors() {
    let m = mock(100).await;
    let token = m.login(READ_SCOPES).await.access_token;
    let cases = [
        (
            "/v1/me/tracks?limit=51",
            StatusCode::BAD_REQUEST,
            "Invalid limit",
        ),
        (
            "/v1/me/tracks?limit=0",
            StatusCode::BAD_REQUEST,
            "Invalid limit",
        ),
        (
            "/v1/me/tracks?offset=-5",
            StatusCode::BAD_REQUEST,
            "Invalid offset",
        ),
        (
            "/v1/me/playlists?limit=abc",
            StatusCode::BAD_REQUEST,
            "Invalid limit",
        ),
        (
            "/v1/search?q=song&type=track&limit=11",
            StatusCode::BAD_REQUEST,
            "Invalid limit",
        ),
        (
            "/v1/search?q=song&type=track&offset=1001",
            StatusCode::BAD_REQUEST,
            "Invalid offset",
        ),
        (
            "/v1/search?type=track",
            StatusCode::BAD_REQUEST,
            "No search query",
        ),
        (
            "/v1/search?q=song",
            StatusCode::BAD_REQUEST,
            "Missing parameter type",
        ),
        (
            "/v1/me/top/tracks?time_range=forever",
            StatusCode::BAD_REQUEST,
            "Invalid time range",
        ),
        (
            "/v1/no/such/endpoint",
            StatusCode::NOT_FOUND,
            "Service not found",
        ),
    ];
    for (path, status, message) in cases {
        let (got, body) = m.get_json(path, &token).await;
        assert_eq!((got, api_message(&body)), (status, message), "{path}");
        assert_eq!(body["error"]["status"], status.as_u16(), "{path}");
    }
    // Past the end is an empty page, not an error.
    let (status, body) = m.get_json("/v1/me/tracks?offset=5000", &token).await;
    assert_eq!(
        (status, body["items"].as_array().unwrap().len()),
        (StatusCode::OK, 0)
    );
}

#[tokio::test]
async fn top_tracks_for_each_time_range_and_scope_checks() {
    let m = mock(0).await;
    let token = m.login(READ_SCOPES).await.access_token;
    let mut firsts = Vec::new();
    for range in ["short_term", "medium_term", "long_term"] {
        let (status, body) = m
            .get_json(
                &format!("/v1/me/top/tracks?time_range={range}&limit=50"),
                &token,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["total"], 50);
        assert_eq!(body["items"][0]["type"], "track");
        firsts.push(body["items"][0]["id"].clone());
    }
    assert!(
        firsts[0] != firsts[1] || firsts[1] != firsts[2],
        "ranges differ"
    );
    let narrow = m.login("user-library-read").await.access_token;
    let (status, body) = m.get_json("/v1/me/top/tracks", &narrow).await;
    assert_eq!(
        (status, api_message(&body)),
        (StatusCode::FORBIDDEN, "Insufficient client scope")
    );
}

#[tokio::test]
async fn playlists_own_collaborative_and_others() {
    let m = mock(0).await;
    let token = m.login(READ_SCOPES).await.access_token;
    let (status, body) = m.get_json("/v1/me/playlists?limit=50", &token).await;
    assert_eq!(status, StatusCode::OK);
    let page: Paging<SimplifiedPlaylist> = serde_json::from_value(body).unwrap();
    let by_name = |name: &str| {
        page.items
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    let road_trip = by_name("Road Trip");
    assert_eq!(road_trip.n_items(), 130);
    let shared = by_name("Shared With Friends");
    assert!(shared.collaborative && shared.is_readable_by(mock_spotify::USER_ID));
    let strangers = by_name("Someone Else's Mix");
    assert!(!strangers.is_readable_by(mock_spotify::USER_ID));

    let (status, body) = m
        .get_json(&format!("/v1/playlists/{}/items", strangers.id), &token)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = m
        .get_json(
            &format!("/v1/playlists/{EDITORIAL_PLAYLIST_ID}/items"),
            &token,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = m
        .get_json(&format!("/v1/playlists/{}/items", shared.id), &token)
        .await;
    assert_eq!(status, StatusCode::OK);

    // Page through Road Trip and meet every edge case.
    let mut next = Some(m.url(&format!("/v1/playlists/{}/items?limit=50", road_trip.id)));
    let mut entries: Vec<PlaylistItem> = Vec::new();
    while let Some(url) = next {
        let page: Paging<PlaylistItem> = m.get(&url, &token).await.json().await.unwrap();
        entries.extend(page.items);
        next = page.next;
    }
    assert_eq!(entries.len(), 130);
    assert!(entries[3].entry().is_none(), "unavailable track is null");
    assert!(entries[7].is_local && entries[7].to_listener_track().is_none());
    assert!(
        entries[7]
            .entry()
            .unwrap()
            .uri
            .as_deref()
            .unwrap()
            .starts_with("spotify:local:")
    );
    assert_eq!(
        entries[11].entry().unwrap().kind.as_deref(),
        Some("episode")
    );
    assert_eq!(entries[20].entry(), entries[5].entry(), "duplicate");
    let importable = entries
        .iter()
        .filter_map(PlaylistItem::to_listener_track)
        .count();
    assert_eq!(importable, 127);

    // Without the private-read scope, private playlists are left out of the list.
    let narrow = m.login("user-library-read").await.access_token;
    let (_, body) = m.get_json("/v1/me/playlists", &narrow).await;
    let names: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(
        !names.contains(&"Road Trip") && names.contains(&"Empty For Now"),
        "{names:?}"
    );
}

#[tokio::test]
async fn saving_a_playlist_needs_the_scope_and_chunks_of_at_most_100() {
    let m = mock(300).await;
    let read_only = m.login(READ_SCOPES).await.access_token;
    let new_playlist =
        json!({"name": "Encore: blend", "public": false, "description": "Made by Encore (blend)"});
    let (status, body) = m
        .post_json("/v1/me/playlists", &read_only, &new_playlist)
        .await;
    assert_eq!(
        (status, api_message(&body)),
        (StatusCode::FORBIDDEN, "Insufficient client scope")
    );

    let token = m.login(ALL_SCOPES).await.access_token;
    // Spotify's default is public, which needs the public scope.
    let (status, _) = m
        .post_json("/v1/me/playlists", &token, &json!({"name": "x"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = m
        .post_json("/v1/me/playlists", &token, &json!({"public": false}))
        .await;
    assert_eq!(
        (status, api_message(&body)),
        (StatusCode::BAD_REQUEST, "Missing required field: name")
    );

    let (status, created) = m.post_json("/v1/me/playlists", &token, &new_playlist).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        created["external_urls"]["spotify"].as_str(),
        Some(
            format!(
                "https://open.spotify.com/playlist/{}",
                created["id"].as_str().unwrap()
            )
            .as_str()
        )
    );
    assert_eq!(
        created["uri"].as_str(),
        Some(format!("spotify:playlist:{}", created["id"].as_str().unwrap()).as_str())
    );
    let created: encore_spotify::api::CreatedPlaylist = serde_json::from_value(created).unwrap();

    let library: Value = m.library().await;
    let uris: Vec<String> = library["liked_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| format!("spotify:track:{}", id.as_str().unwrap()))
        .collect();
    let items_path = format!("/v1/playlists/{}/items", created.id);
    let (status, body) = m
        .post_json(&items_path, &token, &json!({"uris": uris[..101]}))
        .await;
    assert_eq!(
        (status, api_message(&body)),
        (
            StatusCode::BAD_REQUEST,
            "You can add a maximum of 100 tracks per request."
        )
    );
    let (status, body) = m
        .post_json(
            &items_path,
            &token,
            &json!({"uris": ["spotify:local:a:b:c:1"]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    for chunk in [&uris[..100], &uris[100..130]] {
        let (status, body) = m
            .post_json(&items_path, &token, &json!({"uris": chunk}))
            .await;
        assert_eq!(status, StatusCode::CREATED);
        assert!(body["snapshot_id"].is_string());
    }

    let received = m.received().await;
    let saved = &received["playlists_created"][0];
    assert_eq!(saved["name"], "Encore: blend");
    assert_eq!(saved["public"], false);
    assert_eq!(saved["description"], "Made by Encore (blend)");
    assert_eq!(saved["chunk_sizes"], json!([100, 30]));
    assert_eq!(saved["items"], json!(uris[..130]));
    let statuses: Vec<u64> = received["items_added"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [400, 400, 201, 201]);

    // The new playlist is listed first and reads back in order.
    let (_, list) = m.get_json("/v1/me/playlists", &token).await;
    assert_eq!(list["items"][0]["id"], created.id.as_str());
    assert_eq!(list["items"][0]["items"]["total"], 130);
    let (_, page) = m
        .get_json(&format!("{items_path}?limit=50&offset=100"), &token)
        .await;
    assert_eq!(page["items"][0]["item"]["uri"], uris[100].as_str());

    // Someone else's playlist cannot be changed.
    let stranger = library["playlists"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["owner_id"] == "mock-stranger")
        .unwrap();
    let path = format!("/v1/playlists/{}/items", stranger["id"].as_str().unwrap());
    let (status, _) = m
        .post_json(&path, &token, &json!({"uris": uris[..1]}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn every_fault_kind_answers_as_spotify_would() {
    let m = mock(100).await;
    let token = m.login(READ_SCOPES).await.access_token;
    struct Case {
        rule: Value,
        status: StatusCode,
        cors: bool,
        retry_after: Option<&'static str>,
        plain_text: bool,
    }
    let cases = [
        Case {
            rule: json!({"kind": "token_expired"}),
            status: StatusCode::UNAUTHORIZED,
            cors: true,
            retry_after: None,
            plain_text: false,
        },
        Case {
            rule: json!({"kind": "rate_limit", "retry_after_s": 7}),
            status: StatusCode::TOO_MANY_REQUESTS,
            cors: true,
            retry_after: Some("7"),
            plain_text: false,
        },
        Case {
            rule: json!({"kind": "rate_limit_no_cors"}),
            status: StatusCode::TOO_MANY_REQUESTS,
            cors: false,
            retry_after: Some("1"),
            plain_text: false,
        },
        Case {
            rule: json!({"kind": "not_registered"}),
            status: StatusCode::FORBIDDEN,
            cors: true,
            retry_after: None,
            plain_text: true,
        },
        Case {
            rule: json!({"kind": "server_error", "status": 503}),
            status: StatusCode::SERVICE_UNAVAILABLE,
            cors: true,
            retry_after: None,
            plain_text: false,
        },
        Case {
            rule: json!({"kind": "server_error"}),
            status: StatusCode::INTERNAL_SERVER_ERROR,
            cors: true,
            retry_after: None,
            plain_text: false,
        },
        Case {
            rule: json!({"kind": "delay", "delay_ms": 20}),
            status: StatusCode::OK,
            cors: true,
            retry_after: None,
            plain_text: false,
        },
    ];
    for case in cases {
        let mut rule = case.rule.clone();
        rule["path"] = json!("/v1/me/tracks");
        rule["times"] = json!(1);
        m.add_fault(rule).await;
        let response = m
            .http
            .get(m.url("/v1/me/tracks"))
            .bearer_auth(&token)
            .header(header::ORIGIN, "http://127.0.0.1:8080")
            .send()
            .await
            .unwrap();
        let headers = response.headers().clone();
        assert_eq!(response.status(), case.status, "{}", case.rule);
        assert_eq!(
            headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN),
            case.cors,
            "{}",
            case.rule
        );
        assert_eq!(
            headers
                .get(header::RETRY_AFTER)
                .map(|v| v.to_str().unwrap()),
            case.retry_after,
            "{}",
            case.rule
        );
        assert!(!headers.contains_key(header::ACCESS_CONTROL_EXPOSE_HEADERS));
        let body = response.text().await.unwrap();
        let error = ErrorBody::parse(&body);
        if case.plain_text {
            assert!(
                headers[header::CONTENT_TYPE]
                    .to_str()
                    .unwrap()
                    .starts_with("text/plain")
            );
            assert!(error.is_user_not_registered(), "{body}");
        } else if case.status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(error.reason.as_deref(), Some("QUOTA_EXCEEDED"));
        }
        // Fired once: the next request is served normally.
        assert_eq!(
            m.get("/v1/me/tracks", &token).await.status(),
            StatusCode::OK,
            "{}",
            case.rule
        );
        let faults: Value = m
            .control(reqwest::Method::GET, "/faults", None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            (&faults[0]["seen"], &faults[0]["fired"]),
            (&json!(2), &json!(1)),
            "{faults}"
        );
        m.control(reqwest::Method::DELETE, "/faults", None).await;
    }
}

#[tokio::test]
async fn faults_fire_after_n_requests_for_t_times_and_can_be_cleared() {
    let m = mock(100).await;
    let token = m.login(READ_SCOPES).await.access_token;
    m.add_fault(json!([
        {"kind": "rate_limit", "path": "/v1/me/tracks", "after": 2, "times": 2},
        {"kind": "server_error", "path": "/v1/me/playlists", "method": "POST"}
    ]))
    .await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(m.get("/v1/me/tracks", &token).await.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 429, 429, 200]);
    assert_eq!(
        m.get("/v1/me/playlists", &token).await.status(),
        StatusCode::OK,
        "GET is not matched"
    );
    assert_eq!(
        m.control(reqwest::Method::DELETE, "/faults", None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let response = m
        .control(
            reqwest::Method::POST,
            "/faults",
            Some(json!({"kind": "teapot"})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn faults_given_at_start_come_back_after_a_reset() {
    let rule: mock_spotify::FaultRule =
        serde_json::from_value(json!({"kind": "not_registered", "path": "/v1/me"})).unwrap();
    let m = mock_with(
        0,
        MockConfig {
            faults: vec![rule],
            ..MockConfig::default()
        },
    )
    .await;
    let token = m.login(READ_SCOPES).await.access_token;
    assert_eq!(
        m.get("/v1/me", &token).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        m.control(reqwest::Method::POST, "/reset", None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let received = m.received().await;
    assert_eq!(received["authorize"], json!([]));
    assert_eq!(received["requests"], json!([]));
    // Tokens are forgotten by the reset (`/v1/search` is outside the rule's path).
    assert_eq!(
        m.get("/v1/search?q=a&type=track", &token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let token = m.login(READ_SCOPES).await.access_token;
    assert_eq!(
        m.get("/v1/me", &token).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_storm_of_429s_and_a_latency_come_from_the_control_api() {
    let m = mock(100).await;
    let token = m.login(READ_SCOPES).await.access_token;
    m.add_fault(json!({
        "kind": "rate_limit_storm", "path": "/v1/me/tracks", "retry_after_s": 2,
        "no_cors_every": 2, "after": 1, "times": 4
    }))
    .await;
    let mut answers = Vec::new();
    for _ in 0..6 {
        let response = m
            .http
            .get(m.url("/v1/me/tracks"))
            .bearer_auth(&token)
            .header(header::ORIGIN, "http://127.0.0.1:8080")
            .send()
            .await
            .expect("get");
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .map(|v| v.to_str().unwrap().to_owned());
        let cors = response
            .headers()
            .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN);
        answers.push((response.status().as_u16(), cors, retry_after));
    }
    let limited = |cors| (429, cors, Some("2".to_owned()));
    assert_eq!(
        answers,
        [
            (200, true, None),
            limited(true),
            limited(false),
            limited(true),
            limited(false),
            (200, true, None)
        ]
    );

    // The latency delays the fake Spotify's answers, and a reset takes it away again.
    let settings: Value = m
        .post("/settings", json!({"latency_ms": 150}))
        .await
        .json()
        .await
        .expect("settings");
    assert_eq!(settings["latency_ms"], 150);
    assert_eq!(settings["expires_in_s"], 3600, "the other settings stay");
    let started = std::time::Instant::now();
    assert_eq!(m.get("/v1/me", &token).await.status(), StatusCode::OK);
    assert!(started.elapsed() >= std::time::Duration::from_millis(150));
    m.control(reqwest::Method::POST, "/reset", None).await;
    let settings: Value = m
        .control(reqwest::Method::GET, "/settings", None)
        .await
        .json()
        .await
        .expect("settings");
    assert_eq!(settings["latency_ms"], 0);
}

#[tokio::test]
async fn cors_like_the_real_services() {
    let m = mock(0).await;
    let preflight = m
        .http
        .request(reqwest::Method::OPTIONS, m.url("/v1/me/tracks"))
        .header(header::ORIGIN, "http://127.0.0.1:8080")
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "authorization")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), StatusCode::OK);
    let headers = preflight.headers();
    assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    let allowed = headers[header::ACCESS_CONTROL_ALLOW_HEADERS]
        .to_str()
        .unwrap();
    assert!(allowed.contains("authorization") && allowed.contains("content-type"));

    for path in ["/v1/me", "/api/token", "/__mock/received"] {
        let response = m
            .http
            .get(m.url(path))
            .header(header::ORIGIN, "http://127.0.0.1:8080")
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
            "*",
            "{path}"
        );
        assert!(
            !response
                .headers()
                .contains_key(header::ACCESS_CONTROL_EXPOSE_HEADERS),
            "{path}"
        );
    }
    m.control(
        reqwest::Method::POST,
        "/settings",
        Some(json!({"expose_retry_after": true})),
    )
    .await;
    let response = m.http.get(m.url("/v1/me")).send().await.unwrap();
    assert_eq!(
        response.headers()[header::ACCESS_CONTROL_EXPOSE_HEADERS],
        "Retry-After"
    );

    // The request log has the origin, and no control-API calls.
    let requests = m.received().await["requests"].clone();
    let logged: Vec<&str> = requests
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(logged, ["/v1/me/tracks", "/v1/me", "/api/token", "/v1/me"]);
    assert_eq!(requests[0]["method"], "OPTIONS");
    assert_eq!(requests[1]["origin"], "http://127.0.0.1:8080");
}

#[tokio::test]
async fn removed_endpoints_answer_as_they_do_now() {
    let m = mock(0).await;
    let token = m.login(READ_SCOPES).await.access_token;
    let cases = [
        (
            "/v1/audio-features?ids=5SuOikwiRyPMVoIQDJUgSV",
            StatusCode::FORBIDDEN,
            json!({"error": {"status": 403}}),
        ),
        (
            "/v1/audio-features/5SuOikwiRyPMVoIQDJUgSV",
            StatusCode::FORBIDDEN,
            json!({"error": {"status": 403}}),
        ),
        (
            "/v1/playlists/abc/tracks",
            StatusCode::FORBIDDEN,
            json!({"error": {"status": 403, "message": "Forbidden"}}),
        ),
        (
            "/v1/recommendations?seed_tracks=x",
            StatusCode::NOT_FOUND,
            json!({"error": {"status": 404, "message": "Not found."}}),
        ),
        (
            "/v1/artists/x/related-artists",
            StatusCode::NOT_FOUND,
            json!({"error": {"status": 404, "message": "Not found."}}),
        ),
        (
            "/v1/browse/featured-playlists",
            StatusCode::NOT_FOUND,
            json!({"error": {"status": 404, "message": "Not found."}}),
        ),
        (
            "/v1/tracks?ids=a,b",
            StatusCode::FORBIDDEN,
            json!({"error": {"status": 403, "message": "Forbidden"}}),
        ),
        (
            "/v1/users/mock-listener",
            StatusCode::FORBIDDEN,
            json!({"error": {"status": 403, "message": "Forbidden"}}),
        ),
    ];
    for (path, status, body) in cases {
        assert_eq!(m.get_json(path, &token).await, (status, body), "{path}");
    }
}

#[tokio::test]
async fn search_filters_by_track_artist_and_isrc() {
    let m = mock(50).await;
    let token = m.login(READ_SCOPES).await.access_token;
    let (_, page) = m.get_json("/v1/me/tracks?limit=1", &token).await;
    let track = &page["items"][0]["track"];
    let isrc = track["external_ids"]["isrc"].as_str().unwrap();
    let name = track["name"].as_str().unwrap();
    let artist = track["artists"][0]["name"].as_str().unwrap();

    let search = |q: String| {
        let url = format!(
            "{}?{}",
            m.url("/v1/search"),
            encore_spotify::pkce::form_encode(&[("q", &q), ("type", "track")])
        );
        let token = token.clone();
        let m = &m;
        async move { m.get_json(&url, &token).await }
    };
    let (status, body) = search(format!("isrc:{isrc}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body["tracks"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == track["id"])
    );
    let (_, body) = search(format!("track:\"{name}\" artist:\"{artist}\"")).await;
    assert_eq!(body["tracks"]["items"][0]["id"], track["id"]);
    assert_eq!(body["tracks"]["limit"], 5);
    let (_, body) = search("track:\"no such song anywhere\"".into()).await;
    assert_eq!(body["tracks"]["total"], 0);
    // Broad queries page with `next`, keeping q and type.
    let (_, body) = search("generated".into()).await;
    let next = body["tracks"]["next"].as_str().unwrap();
    assert!(
        next.contains("q=generated") && next.contains("type=track") && next.contains("offset=5"),
        "{next}"
    );
}

#[tokio::test]
async fn recently_played_pages_by_cursor() {
    let m = mock(0).await;
    let token = m.login(READ_SCOPES).await.access_token;
    let (status, first) = m
        .get_json("/v1/me/player/recently-played?limit=20", &token)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["items"].as_array().unwrap().len(), 20);
    let (_, second) = m.get_json(first["next"].as_str().unwrap(), &token).await;
    assert_eq!(second["items"].as_array().unwrap().len(), 20);
    assert!(second["items"][0]["played_at"].as_str() < first["items"][19]["played_at"].as_str());
    let (_, third) = m.get_json(second["next"].as_str().unwrap(), &token).await;
    assert_eq!(third["items"].as_array().unwrap().len(), 10);
    assert_eq!(third["next"], Value::Null);
}

#[tokio::test]
async fn malformed_json_bodies_get_spotify_400s() {
    let m = mock(0).await;
    let token = m.login(ALL_SCOPES).await.access_token;
    let response = m
        .http
        .post(m.url("/v1/me/playlists"))
        .bearer_auth(&token)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({"error": {"status": 400, "message": "Error parsing json"}})
    );
}

#[tokio::test]
async fn serves_the_app_on_a_second_origin_with_its_config() {
    let dir = std::env::temp_dir().join(format!("mock-spotify-app-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><title>Encore</title>",
    )
    .unwrap();
    std::fs::write(dir.join("assets/app.js"), "console.log(1)").unwrap();
    let config = MockConfig {
        app: Some(AppSite {
            dir: dir.clone(),
            port: 0,
        }),
        settings: mock_spotify::Settings {
            client_id: Some(CLIENT_ID.into()),
            ..MockConfig::default().settings
        },
        ..MockConfig::default()
    };
    let m = mock_with(0, config).await;
    let app = m.server.app_url().expect("app url").to_owned();
    assert_ne!(app, m.server.url());
    let line: Value = serde_json::from_str(&m.server.startup_line()).unwrap();
    assert_eq!(line, json!({"url": m.server.url(), "app_url": app}));

    let config: Value = m
        .http
        .get(format!("{app}/config.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let expected = json!({
        "spotify_accounts_url": m.server.url(),
        "spotify_api_url": format!("{}/v1", m.server.url()),
        "client_id": CLIENT_ID,
    });
    assert_eq!(config, expected);
    for (path, body) in [
        ("/", "<!doctype html><title>Encore</title>"),
        (
            "/recommend/deep/link",
            "<!doctype html><title>Encore</title>",
        ),
        ("/assets/app.js", "console.log(1)"),
    ] {
        let response = m.http.get(format!("{app}{path}")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.text().await.unwrap(), body, "{path}");
    }
    m.server.shutdown().await.unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

/// A small catalog built by the engine from a hand-written CSV in the 114k schema: `n` tracks
/// with ids, two artists each, an album and spread-out features.
fn small_catalog_bytes(n: u32) -> (Vec<u8>, Vec<(String, String)>) {
    use encore_engine::TrackId;
    let mut csv = String::from(
        "track_id,artists,album_name,track_name,popularity,danceability,energy,key,loudness,mode,\
         speechiness,acousticness,instrumentalness,liveness,valence,tempo,duration_ms,time_signature,track_genre\n",
    );
    let mut rows = Vec::new();
    for i in 0..n {
        let id = TrackId(u128::from(i) * 7_919 + 13).to_string();
        let title = format!("Fixture Song {i}");
        let x = f64::from(i) / f64::from(n);
        csv.push_str(&format!(
            "{id},Fixture Band {};Guest {i},Fixture Album {},{title},{},{x:.3},{:.3},{},-{:.1},1,0.05,{:.3},0.0,0.1,{x:.3},{:.1},{},4,genre {}\n",
            i % 5,
            i % 3,
            i % 100,
            1.0 - x,
            i % 12,
            5.0 + x * 10.0,
            x / 2.0,
            90.0 + x * 60.0,
            180_000 + i * 1_000,
            i % 4,
        ));
        rows.push((id, title));
    }
    let import = encore_engine::csv_import::read_tracks(csv.as_bytes(), "fixture.csv")
        .expect("fixture imports");
    let config = encore_engine::catalog::build::BuildConfig {
        fixed_k: Some(2),
        curve_sample: n as usize,
        min_genre_tracks: 1,
        ..Default::default()
    };
    let (catalog, _) =
        encore_engine::catalog::build::build(&[import], &config).expect("fixture builds");
    (catalog.to_bytes().expect("fixture encodes"), rows)
}

#[test]
fn catalog_tracks_keep_real_ids_titles_artists_and_durations() {
    let (bytes, rows) = small_catalog_bytes(40);
    let catalog = encore_engine::Catalog::from_bytes(&bytes).unwrap();
    let tracks = mock_spotify::catalog_tracks(&catalog);
    assert_eq!(tracks.len(), rows.len());
    for (id, title) in &rows {
        let track = tracks
            .iter()
            .find(|t| t.id.to_string() == *id)
            .unwrap_or_else(|| panic!("{id}"));
        assert_eq!(&track.name, title);
        let i: u32 = title.trim_start_matches("Fixture Song ").parse().unwrap();
        let names: Vec<&str> = track.artists.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(
            names,
            [format!("Fixture Band {}", i % 5), format!("Guest {i}")]
        );
        assert_eq!(track.album, format!("Fixture Album {}", i % 3));
        // The catalog stores durations quantized; a percent is well above its step.
        let expected = f64::from(180_000 + i * 1_000);
        assert!(
            (f64::from(track.duration_ms) - expected).abs() < expected / 100.0,
            "{title}"
        );
    }
}

#[tokio::test]
async fn the_binary_prints_its_urls_first_and_serves_the_catalog_library() {
    use std::io::BufRead;
    let (bytes, rows) = small_catalog_bytes(40);
    let path =
        std::env::temp_dir().join(format!("mock-spotify-catalog-{}.bin", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mock-spotify"))
        .args(["--port", "0", "--liked", "25", "--seed", "4", "--catalog"])
        .arg(&path)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let info: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(info["app_url"], Value::Null);
    let url = info["url"].as_str().unwrap();
    let library: Value = reqwest::get(format!("{url}/__mock/library?ids=true"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(library["n_tracks_in_pool"], 40);
    assert_eq!(library["liked_total"], 25);
    let known: Vec<&str> = rows.iter().map(|(id, _)| id.as_str()).collect();
    assert!(
        library["liked_ids"]
            .as_array()
            .unwrap()
            .iter()
            .all(|id| known.contains(&id.as_str().unwrap()))
    );
}

#[test]
fn the_binary_refuses_more_liked_songs_than_it_supports() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_mock-spotify"))
        .args(["--liked", "50001"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("at most 50000"), "{stderr}");
    assert!(
        output.stdout.is_empty(),
        "no url line when it did not start"
    );
}

#[tokio::test]
async fn a_lost_reply_is_carried_out_and_then_looks_like_a_dropped_connection() {
    let m = mock(0).await;
    let token = m.login(ALL_SCOPES).await.access_token;
    m.add_fault(
        json!({"kind": "reply_lost", "path": "/v1/me/playlists", "method": "POST", "times": 1}),
    )
    .await;
    let response = m
        .http
        .post(m.url("/v1/me/playlists"))
        .bearer_auth(&token)
        .header(header::ORIGIN, "http://127.0.0.1:8080")
        .json(&json!({"name": "Lost reply", "public": false}))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    assert!(
        !response
            .headers()
            .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN),
        "no CORS header, so a browser sees a network error"
    );
    let received = m.received().await;
    assert_eq!(
        received["playlists_created"][0]["name"], "Lost reply",
        "the playlist was made all the same"
    );
    let (status, listed) = m.get_json("/v1/me/playlists?limit=1", &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        listed["items"][0]["name"], "Lost reply",
        "and is listed first"
    );
}

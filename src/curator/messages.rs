//! The one Messages API call that writes a briefing: the request (the
//! `emit_curation` tool; Fable models through the beta endpoint with its
//! server-side fallback), the spend cap checked before the call, and the
//! answer read back (tool input, else a JSON text block; a refusal).
//!
//! The key goes only to `ANTHROPIC_BASE_URL` (default
//! `https://api.anthropic.com`), as `x-api-key` (or `Authorization: Bearer`
//! for `ANTHROPIC_AUTH_TOKEN`), never across a redirect to another origin
//! (`crate::outbound`), never into a log line or an error.

use std::time::Duration;

use serde_json::{json, Map, Value};

use super::prompt;

/// Models whose requests take the beta endpoint (and refuse a forced
/// `tool_choice`).
const FABLE_PREFIX: &str = "claude-fable";
const FABLE_BETA: &str = "server-side-fallback-2026-06-01";
const FABLE_FALLBACK: &str = "claude-opus-4-8";
/// Room Fable's adaptive thinking needs on top of the answer.
const THINKING_HEADROOM: u64 = 10_000;
/// The answer's budget.
const MAX_OUTPUT_TOKENS: u64 = 4096;
/// Below this many output tokens a briefing cannot be written: the call is
/// not made.
const MIN_OUTPUT_TOKENS: u64 = 1024;

/// The model used when `ATTUNE_MODEL_PREMIUM` is not set.
pub const DEFAULT_MODEL: &str = "claude-fable-5-1";

/// How the call authenticates. `Debug` never shows the secret.
#[derive(Clone)]
pub struct Credentials {
    pub base_url: String,
    auth: Auth,
}

#[derive(Clone)]
enum Auth {
    ApiKey(String),
    Bearer(String),
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.auth {
            Auth::ApiKey(_) => "x-api-key",
            Auth::Bearer(_) => "bearer",
        };
        f.debug_struct("Credentials").field("base_url", &self.base_url).field("auth", &kind).finish()
    }
}

impl Credentials {
    /// `ANTHROPIC_API_KEY`, else `ANTHROPIC_AUTH_TOKEN`; `None` without
    /// either (blank counts as unset).
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Option<Credentials> {
        let get = |k: &str| env(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let auth = get("ANTHROPIC_API_KEY").map(Auth::ApiKey).or_else(|| get("ANTHROPIC_AUTH_TOKEN").map(Auth::Bearer))?;
        let base_url = get("ANTHROPIC_BASE_URL").unwrap_or_else(|| "https://api.anthropic.com".into()).trim_end_matches('/').to_string();
        Some(Credentials { base_url, auth })
    }
}

/// The model for the briefing: `ATTUNE_MODEL_PREMIUM`, else
/// [`DEFAULT_MODEL`].
pub fn model_from_env(env: &dyn Fn(&str) -> Option<String>) -> String {
    env("ATTUNE_MODEL_PREMIUM").map(|m| m.trim().to_string()).filter(|m| !m.is_empty()).unwrap_or_else(|| DEFAULT_MODEL.into())
}

/// USD per million input and output tokens; unknown models are priced as
/// the `capable` tier.
pub fn pricing(model: &str) -> (f64, f64) {
    match model {
        "claude-fable-5" | "claude-fable-5-1" | "premium" => (10.0, 50.0),
        "claude-opus-4-8" | "claude-opus-5" => (5.0, 25.0),
        "claude-opus-4-20250514" => (15.0, 75.0),
        "claude-haiku-4-5" | "cheap" => (1.0, 5.0),
        "claude-3-haiku-20240307" => (0.25, 1.25),
        _ => (3.0, 15.0),
    }
}

fn is_fable(model: &str) -> bool {
    model.starts_with(FABLE_PREFIX)
}

/// Why no briefing came back.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The API answered with an error status. `message` is the API's own
    /// (lower-cased) text, kept for classification and the log only.
    #[error("the Messages API answered {status}")]
    Status { status: u16, message: String },
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("the Messages API could not be reached: {0}")]
    Transport(String),
    #[error("the answer could not be read: {0}")]
    Malformed(String),
    #[error("the model refused (category {category:?})")]
    Refusal { category: Option<String> },
    /// The worst case of the call is over the cap.
    #[error("the call could cost up to ${worst:.4}, over the ${cap:.2} cap")]
    OverBudget { worst: f64, cap: f64 },
}

impl CallError {
    /// The sentence the page shows (never the API's raw text).
    pub fn summary(&self) -> String {
        match self {
            CallError::Status { status, message } if *status == 401 || message.contains("authentication") || message.contains("x-api-key") => {
                "The curator is offline: the Anthropic API did not accept the key (ANTHROPIC_API_KEY missing or invalid). Set a valid key where the dashboard is started.".into()
            }
            CallError::Status { message, .. } if message.contains("credit balance") || message.contains("billing") => {
                "The curator is offline: the Anthropic account has no API credit. A briefing is a direct API call, paid from pay-as-you-go credit; a Claude subscription does not include it.".into()
            }
            CallError::Status { status: 429, .. } => "The curator is offline: Anthropic's rate limit was reached. Try again in a moment.".into(),
            CallError::Status { message, .. } if message.contains("rate limit") => {
                "The curator is offline: Anthropic's rate limit was reached. Try again in a moment.".into()
            }
            CallError::Timeout(d) => format!("The curator is offline: Anthropic did not answer within {} s.", d.as_secs()),
            CallError::Malformed(_) => "The curator is offline: the model's answer could not be read (the dashboard's log says why).".into(),
            CallError::Refusal { category } => {
                format!("The model declined to write this briefing (category: {}).", category.as_deref().unwrap_or("unspecified"))
            }
            CallError::OverBudget { worst, cap } => {
                format!("The curator did not call the model: this briefing could cost up to ${worst:.2}, over the ${cap:.2} cap per briefing (ATTUNE_CURATOR_MAX_BUDGET_USD).")
            }
            _ => "The curator is offline: a temporary error reaching Anthropic (the dashboard's log has the details).".into(),
        }
    }
}

/// What the model answered.
#[derive(Debug)]
pub struct Reply {
    pub payload: Map<String, Value>,
    pub cost_usd: f64,
}

/// One prepared call.
pub struct Call {
    pub model: String,
    pub body: Value,
    pub beta: bool,
}

/// Builds the request, its output budget cut to fit `cap` (USD). The input
/// is counted at one token per three bytes, more than real text takes.
pub fn prepare(model: &str, user: &str, max_items: usize, cap: f64) -> Result<Call, CallError> {
    let fable = is_fable(model);
    let mut tool = json!({"name": prompt::TOOL_NAME, "description": prompt::TOOL_DESCRIPTION, "input_schema": prompt::schema(max_items)});
    let mut messages = vec![json!({"role": "user", "content": user})];
    let tool_choice = if fable {
        tool["strict"] = json!(true);
        messages.push(json!({"role": "system", "content": prompt::FABLE_NUDGE}));
        json!({"type": "auto"})
    } else {
        json!({"type": "tool", "name": prompt::TOOL_NAME})
    };
    let mut body = json!({
        "model": model,
        "max_tokens": 0,
        "system": prompt::SYSTEM_PROMPT,
        "tools": [tool],
        "tool_choice": tool_choice,
        "messages": messages,
    });
    if fable {
        body["fallbacks"] = json!([{"model": FABLE_FALLBACK}]);
    }
    let wanted = if fable { MAX_OUTPUT_TOKENS + THINKING_HEADROOM } else { MAX_OUTPUT_TOKENS };
    // A fallback may answer: price the dearer of the two.
    let (pin, pout) = if fable {
        let (a, b) = (pricing(model), pricing(FABLE_FALLBACK));
        (a.0.max(b.0), a.1.max(b.1))
    } else {
        pricing(model)
    };
    let input_tokens = (body.to_string().len() as u64).div_ceil(3);
    let input_cost = input_tokens as f64 * pin / 1e6;
    let affordable = ((cap - input_cost) / pout * 1e6).floor();
    let max_tokens = if affordable.is_finite() && affordable > 0.0 { wanted.min(affordable as u64) } else { 0 };
    if max_tokens < MIN_OUTPUT_TOKENS {
        return Err(CallError::OverBudget { worst: input_cost + wanted as f64 * pout / 1e6, cap });
    }
    body["max_tokens"] = json!(max_tokens);
    Ok(Call { model: model.to_string(), body, beta: fable })
}

/// Sends the call and reads the answer.
pub async fn send(http: &reqwest::Client, creds: &Credentials, call: &Call, timeout: Duration) -> Result<Reply, CallError> {
    let url = if call.beta { format!("{}/v1/messages?beta=true", creds.base_url) } else { format!("{}/v1/messages", creds.base_url) };
    let mut req = http.post(url).timeout(timeout).header("anthropic-version", "2023-06-01").json(&call.body);
    if call.beta {
        req = req.header("anthropic-beta", FABLE_BETA);
    }
    req = match &creds.auth {
        Auth::ApiKey(k) => req.header("x-api-key", k),
        Auth::Bearer(t) => req.bearer_auth(t),
    };
    let resp = req.send().await.map_err(|e| classify(e, timeout))?;
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.map_err(|e| classify(e, timeout))?;
    if !(200..300).contains(&status) {
        let message = serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|v| v.pointer("/error/message").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_else(|| String::from_utf8_lossy(&bytes).chars().take(300).collect());
        return Err(CallError::Status { status, message: message.to_lowercase() });
    }
    let v: Value = serde_json::from_slice(&bytes).map_err(|e| CallError::Malformed(format!("not JSON: {e}")))?;
    read_reply(&v, &call.model)
}

fn classify(e: reqwest::Error, timeout: Duration) -> CallError {
    if e.is_timeout() {
        CallError::Timeout(timeout)
    } else {
        // Without the URL: it is the configured base, already known.
        CallError::Transport(e.without_url().to_string())
    }
}

/// The briefing in an answer: the first `tool_use` block's input, else the
/// first text block as a JSON object.
pub fn read_reply(v: &Value, requested: &str) -> Result<Reply, CallError> {
    if v.get("stop_reason").and_then(Value::as_str) == Some("refusal") {
        let category = v.pointer("/stop_details/category").and_then(Value::as_str).map(str::to_string);
        return Err(CallError::Refusal { category });
    }
    let blocks = v.get("content").and_then(Value::as_array).ok_or_else(|| CallError::Malformed("no content".into()))?;
    let tool = blocks.iter().find_map(|b| match (b.get("type").and_then(Value::as_str), b.get("input")) {
        (Some("tool_use"), Some(Value::Object(o))) => Some(o.clone()),
        _ => None,
    });
    let payload = match tool {
        Some(p) => p,
        None => {
            let text = blocks
                .iter()
                .find(|b| b.get("type").and_then(Value::as_str) == Some("text"))
                .and_then(|b| b.get("text").and_then(Value::as_str))
                .ok_or_else(|| CallError::Malformed("neither a tool call nor text".into()))?;
            match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(o)) => o,
                _ => return Err(CallError::Malformed("text that is not a JSON object".into())),
            }
        }
    };
    let model = v.get("model").and_then(Value::as_str).filter(|m| !m.is_empty()).unwrap_or(requested);
    let (pin, pout) = pricing(model);
    let tokens = |k: &str| v.pointer(&format!("/usage/{k}")).and_then(Value::as_u64).unwrap_or(0) as f64;
    let cost_usd = tokens("input_tokens") / 1e6 * pin + tokens("output_tokens") / 1e6 * pout;
    Ok(Reply { payload, cost_usd })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fable_and_other_models_are_asked_differently() {
        let f = prepare("claude-fable-5-1", "hello", 5, 0.50).unwrap();
        assert!(f.beta);
        assert_eq!(f.body["tool_choice"], json!({"type": "auto"}));
        assert_eq!(f.body["tools"][0]["strict"], true);
        assert_eq!(f.body["messages"][1]["role"], "system");
        assert_eq!(f.body["fallbacks"][0]["model"], "claude-opus-4-8");
        // 14,096 output tokens at $50/M is $0.70: cut to fit $0.50.
        let mt = f.body["max_tokens"].as_u64().unwrap();
        assert!(mt < 10_000 && mt > 9_000, "{mt}");
        let o = prepare("claude-sonnet-5", "hello", 5, 0.50).unwrap();
        assert!(!o.beta);
        assert_eq!(o.body["tool_choice"], json!({"type": "tool", "name": "emit_curation"}));
        assert_eq!(o.body["max_tokens"], 4096);
        assert_eq!(o.body["messages"].as_array().unwrap().len(), 1);
        assert!(o.body.get("fallbacks").is_none());
    }

    #[test]
    fn the_cap_is_checked_before_the_call() {
        match prepare("claude-fable-5-1", "hello", 5, 0.01) {
            Err(CallError::OverBudget { worst, cap }) => assert!(worst > 0.7 && cap == 0.01),
            other => panic!("{:?}", other.map(|c| c.body)),
        }
        let huge = "x".repeat(600_000);
        assert!(matches!(prepare("claude-sonnet-5", &huge, 5, 0.50), Err(CallError::OverBudget { .. })));
    }

    #[test]
    fn answers_are_read_tolerantly() {
        let tool = json!({"model": "claude-opus-4-8", "stop_reason": "tool_use", "usage": {"input_tokens": 1000, "output_tokens": 200},
            "content": [{"type": "thinking", "thinking": "…"}, {"type": "text", "text": "prose"}, {"type": "tool_use", "name": "emit_curation", "input": {"summary": "s", "items": []}}]});
        let r = read_reply(&tool, "claude-fable-5-1").unwrap();
        assert_eq!(r.payload["summary"], "s");
        // Priced as the model that answered (the fallback).
        assert!((r.cost_usd - (1000.0 * 5.0 + 200.0 * 25.0) / 1e6).abs() < 1e-12);
        let text = json!({"content": [{"type": "text", "text": "{\"summary\": \"t\", \"items\": []}"}]});
        assert_eq!(read_reply(&text, "m").unwrap().payload["summary"], "t");
        for bad in [
            json!({"content": [{"type": "text", "text": "no"}]}),
            json!({"content": []}),
            json!({"x": 1}),
            json!({"content": [{"type": "tool_use", "input": "str"}]}),
        ] {
            assert!(matches!(read_reply(&bad, "m"), Err(CallError::Malformed(_))), "{bad}");
        }
        let refusal = json!({"stop_reason": "refusal", "stop_details": {"category": "cyber"}, "content": []});
        assert!(matches!(read_reply(&refusal, "m"), Err(CallError::Refusal { category: Some(c) }) if c == "cyber"));
    }

    #[test]
    fn failures_become_sentences_without_the_api_text() {
        let s = |status, m: &str| CallError::Status { status, message: m.into() }.summary();
        assert!(s(401, "invalid x-api-key sk-ant-123").contains("ANTHROPIC_API_KEY"));
        assert!(!s(401, "invalid x-api-key sk-ant-123").contains("sk-ant"));
        assert!(s(400, "your credit balance is too low").contains("no API credit"));
        assert!(s(429, "").contains("rate limit"));
        assert!(s(500, "boom").starts_with("The curator is offline: a temporary error"));
        let creds = Credentials::from_env(&|k| (k == "ANTHROPIC_API_KEY").then(|| "sk-secret".to_string())).unwrap();
        assert!(!format!("{creds:?}").contains("sk-secret"));
        assert_eq!(creds.base_url, "https://api.anthropic.com");
        assert!(Credentials::from_env(&|k| (k == "ANTHROPIC_API_KEY").then(|| "  ".to_string())).is_none());
        assert_eq!(model_from_env(&|_| None), "claude-fable-5-1");
    }
}

//! Spend: the Cost page, Home's spend tiles, the spend alarm (account data
//! when there is some, else local telemetry) and the monthly budget.

use std::sync::Arc;

use super::Ops;
use crate::wire::{Budget, CostData, CostProgress, CostSummary, HomeData, SpendAlarm};

impl Ops {
    /// The cost fetch, started at once in a task of its own: a caller that
    /// gives up (a tab closed, the server's response deadline, Home's short
    /// wait) does not cancel the fetch that other callers share and the
    /// cache waits for.
    pub fn spawn_cost_fetch(
        self: &Arc<Self>,
        refresh: bool,
    ) -> impl std::future::Future<Output = crate::cost::CostResult> + Send + 'static {
        let me = self.clone();
        let task = tokio::spawn(async move { me.cost.fetch_summary(refresh).await });
        async move {
            task.await.unwrap_or_else(|e| {
                tracing::error!(error = %e, "ops.cost: the fetch task failed");
                crate::cost::CostResult {
                    summary: None,
                    error: Some(crate::cost::CostError {
                        kind: crate::cost::CostErrorKind::Unknown,
                        message: "The cost fetch failed unexpectedly; details are in the dashboard's log.".into(),
                        retry_after_seconds: None,
                    }),
                }
            })
        }
    }

    /// [`Ops::spawn_cost_fetch`], awaited.
    pub async fn fetch_cost(self: &Arc<Self>, refresh: bool) -> crate::cost::CostResult {
        self.spawn_cost_fetch(refresh).await
    }

    /// The upstream cost fetch under way, if any (the Refresh button's
    /// progress).
    pub fn cost_progress(&self) -> CostProgress {
        self.cost.progress()
    }

    /// The Cost page from a fetch result.
    pub fn cost_data_from(&self, r: crate::cost::CostResult) -> CostData {
        let budget = crate::config::monthly_budget(&self.config);
        let today = crate::pyfmt::today_utc();
        let alarm = self.spend_alarm(r.summary.as_ref(), budget.as_ref());
        CostData {
            burn_rate_usd: r.summary.as_ref().map(crate::cost::burn_rate),
            projection_usd: r.summary.as_ref().map(|s| crate::cost::month_end_projection(s, today)),
            budget_pct: match (&r.summary, &budget) {
                (Some(s), Some(b)) => Some(s.month_to_date_usd / b.monthly_usd * 100.0),
                _ => None,
            },
            summary: r.summary,
            error: r.error,
            budget,
            alarm: Some(alarm),
            allow_run: self.config.allow_run,
        }
    }

    /// Adds account spend to Home: the summary or its error, and the spend
    /// alarm (from local telemetry when there is no account data). `None`:
    /// the fetch is still under way (Home does not wait for a slow API).
    pub fn fill_home_cost(&self, home: &mut HomeData, r: Option<crate::cost::CostResult>) {
        let budget = crate::config::monthly_budget(&self.config);
        match r {
            Some(r) => {
                home.alarm = Some(self.spend_alarm(r.summary.as_ref(), budget.as_ref()));
                home.cost = r.summary;
                home.cost_error = r.error;
                home.cost_pending = false;
            }
            None => {
                home.alarm = Some(self.spend_alarm(None, budget.as_ref()));
                home.cost_pending = true;
            }
        }
        home.budget = budget;
    }

    /// The spend alarm: from account data when there is some, else from
    /// local telemetry (which does not see CI spend).
    pub fn spend_alarm(&self, summary: Option<&CostSummary>, budget: Option<&Budget>) -> SpendAlarm {
        let today = crate::pyfmt::today_utc();
        let ceiling = budget.map(|b| b.monthly_usd).unwrap_or(crate::cost::DEFAULT_CEILING_USD);
        match summary.filter(|s| !s.by_day.is_empty()) {
            Some(s) => crate::cost::spend_alarm(&s.by_day, Some(s.month_to_date_usd), "account", today, ceiling),
            None => {
                let t = self.telemetry_summary(35);
                let days: Vec<(String, f64)> = t.by_day.iter().map(|(d, _, c)| (d.clone(), *c)).collect();
                crate::cost::spend_alarm(&days, None, "local", today, ceiling)
            }
        }
    }

    /// Saves (or clears) the monthly budget setting.
    pub fn set_budget(&self, monthly_usd: Option<f64>) -> std::io::Result<()> {
        let v = monthly_usd.filter(|v| v.is_finite() && *v > 0.0).map(serde_json::Value::from).unwrap_or(serde_json::Value::Null);
        crate::config::save_setting(&self.config.attune_home, "monthly_budget_usd", v)
    }

    /// The monthly budget in effect: a `--monthly-budget` flag or
    /// `ATTUNE_OPS_MONTHLY_BUDGET_USD` wins over the saved setting.
    pub fn monthly_budget(&self) -> Option<Budget> {
        crate::config::monthly_budget(&self.config)
    }
}

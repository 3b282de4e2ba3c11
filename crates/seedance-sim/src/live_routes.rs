//! The endpoints beyond the generation reference: balances (`GET
//! /v1/balance`, `GET /v1/user/balance`), the model list (`GET
//! /v1/models`), a model's input schema (`GET /v1/model-schema`) and its
//! public price (`GET /api/pricing/model`, no key). Shapes as apimart
//! documents them (docs/live-service.md lists the sources).

use seedance_transport::wire::{ApiRequest, ApiResponse, Method};
use serde_json::{Value, json};

use crate::billing;
use crate::fault::Route;
use crate::model_schema::{self, LISTED_MODELS};
use crate::responses::{error_response, ok_json};
use crate::simulator::{Simulator, State};

fn query<'a>(request: &'a ApiRequest, name: &str) -> Option<&'a str> {
    request
        .query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The route of a request to one of these endpoints, if it is one.
pub(crate) fn route(method: Method, path: &str) -> Option<Route> {
    Some(match (method, path) {
        (Method::Get, "/v1/balance" | "/v1/user/balance") => Route::Balance,
        (Method::Get, "/v1/models") => Route::Models,
        (Method::Get, "/v1/model-schema") => Route::Schema,
        (Method::Get, "/api/pricing/model") => Route::Pricing,
        (Method::Post, "/v1/seedance2/private-avatar") => Route::Assets,
        _ => return None,
    })
}

impl Simulator {
    /// The answer of `route` (one of [`route`]'s) to `request`.
    pub(crate) fn live_route(
        &self,
        route: Route,
        state: &mut State,
        request: &ApiRequest,
    ) -> ApiResponse {
        match route {
            Route::Balance => self.balance(state),
            Route::Models => self.models(),
            Route::Schema => self.model_schema(state, request),
            Route::Pricing => self.pricing(request),
            _ => self.create_assets(state, request),
        }
    }

    /// Serves `schema` as `model`'s input schema from now on (to test a
    /// client against a schema that disagrees with the service's check).
    pub fn set_model_schema(&self, model: &str, schema: Value) {
        self.lock()
            .schema_overrides
            .insert(model.to_owned(), schema);
    }

    /// `GET /v1/balance` and `GET /v1/user/balance`: what is left in the
    /// currency of the tasks' `cost` (-1 and `unlimited_quota` without a
    /// configured balance), dropping as tasks are billed.
    pub(crate) fn balance(&self, state: &State) -> ApiResponse {
        let used = billing::reported_cost(state.ledger.charged());
        match state.ledger.balance() {
            Some(left) => ok_json(json!({
                "success": true,
                "remain_balance": billing::reported_cost(left),
                "used_balance": used,
                "unlimited_quota": false,
            })),
            None => ok_json(json!({
                "success": true,
                "remain_balance": -1,
                "used_balance": used,
                "unlimited_quota": true,
            })),
        }
    }

    /// `GET /v1/models`, OpenAI's list shape.
    pub(crate) fn models(&self) -> ApiResponse {
        let data: Vec<Value> = LISTED_MODELS
            .iter()
            .map(
                |id| json!({"id": id, "object": "model", "owned_by": "bytedance", "type": "video"}),
            )
            .collect();
        ok_json(json!({"object": "list", "data": data}))
    }

    /// `GET /v1/model-schema?model=&operation=video_generation`.
    pub(crate) fn model_schema(&self, state: &State, request: &ApiRequest) -> ApiResponse {
        let Some(model) = query(request, "model").filter(|m| !m.is_empty()) else {
            return error_response(400, "invalid_request_error", "model is required");
        };
        let operation = query(request, "operation").unwrap_or("video_generation");
        if operation != "video_generation" {
            return error_response(
                400,
                "invalid_request_error",
                &format!("operation `{operation}` is not supported by {model}"),
            );
        }
        if let Some(schema) = state.schema_overrides.get(model) {
            return ok_json(
                json!({"success": true, "data": {"model": model, "operation": operation, "schema": schema}}),
            );
        }
        match model_schema::schema_for(model) {
            Some(schema) => ok_json(
                json!({"success": true, "data": {"model": model, "operation": operation, "schema": schema}}),
            ),
            None => error_response(
                404,
                "invalid_request_error",
                &format!("model `{model}` not found"),
            ),
        }
    }

    /// `GET /api/pricing/model?model=`: prices per second by resolution, in
    /// the simulator's currency.
    pub(crate) fn pricing(&self, request: &ApiRequest) -> ApiResponse {
        let Some(model) = query(request, "model").filter(|m| LISTED_MODELS.contains(m)) else {
            return ok_json(json!({"success": false, "message": "model not found"}));
        };
        let mut prices = serde_json::Map::new();
        for res in model_schema::resolutions(model) {
            prices.insert(
                (*res).to_owned(),
                json!(billing::reported_cost(billing::video_seconds(1, res))),
            );
        }
        ok_json(json!({"success": true, "data": {
            "model_name": model,
            "billing_type": "per_second",
            "model_price": billing::reported_cost(1.0),
            "discount_rate": 1,
            "resolution_enabled": true,
            "resolution_prices": prices,
        }}))
    }
}

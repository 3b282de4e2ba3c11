//! Where a request goes: apimart's paths (submit, status, upload, the live
//! endpoints) or Ark's face, each through the same key check and the same
//! scripted and random faults before the engine answers.

use std::collections::VecDeque;

use seedance_transport::wire::{ApiRequest, Method};

use crate::ark_face::{ArkCall, in_ark_dialect};
use crate::fault::{Fault, Route, post_effect, pre_effect};
use crate::reply::SimReply;
use crate::responses::{error_response, respond};
use crate::simulator::{Simulator, State};

impl Simulator {
    pub(crate) fn route(
        &self,
        request: &ApiRequest,
        authorization: Option<&str>,
        dead_link: Option<(String, String)>,
    ) -> SimReply {
        if let Some(call) = crate::ark_face::route(request) {
            return self.route_ark(request, authorization, &call);
        }
        let route = match (request.method, request.path.as_str()) {
            (Method::Post, "/v1/videos/generations") => Route::Submit,
            (Method::Get, p) if p.starts_with("/v1/tasks/") => Route::Status,
            (Method::Post, "/v1/uploads/images") => Route::Upload,
            (m, p) => match crate::live_routes::route(m, p) {
                Some(route) => route,
                None => {
                    return respond(error_response(
                        404,
                        "invalid_request_error",
                        "no such endpoint",
                    ));
                }
            },
        };
        let mut state = self.lock();
        match route {
            Route::Submit => state.stats.submits_received += 1,
            Route::Upload => state.stats.uploads_received += 1,
            Route::Status => state.stats.status_requests += 1,
            _ => state.stats.discovery_requests += u64::from(route != Route::Assets),
        }
        let fault = match state.scripted.get_mut(&route).and_then(VecDeque::pop_front) {
            Some(f) => Some(f),
            None => {
                let State { rng, .. } = &mut *state;
                self.config.faults.draw(rng, route)
            }
        };
        if state
            .scripted
            .values()
            .any(|q| q.front() == Some(&Fault::Refuse))
        {
            self.refusals.notify_one();
        }
        if let Some(reply) = fault.as_ref().and_then(pre_effect) {
            return reply;
        }
        // The public price list needs no key.
        if route == Route::Pricing {
            return post_effect(fault, self.pricing(request));
        }
        let echo = self.config.echo_key_in_errors || fault == Some(Fault::EchoKey);
        if let Err(denied) = crate::auth::check(
            &self.config.api_key,
            authorization,
            echo,
            fault == Some(Fault::EchoKey),
        ) {
            state.stats.unauthorized += 1;
            return respond(denied);
        }
        let response = match route {
            Route::Submit => match self.replay(&mut state, request) {
                Some(replayed) => replayed,
                None => self.submit(&mut state, request, dead_link),
            },
            Route::Upload => self.upload(&mut state, request),
            Route::Status => self.status(&state, request),
            _ => self.live_route(route, &mut state, request),
        };
        post_effect(fault, response)
    }

    /// Ark's face: the same auth, faults and engine, Ark's bodies.
    fn route_ark(
        &self,
        request: &ApiRequest,
        authorization: Option<&str>,
        call: &ArkCall,
    ) -> SimReply {
        let route = match call {
            ArkCall::Create => Route::Submit,
            _ => Route::Status,
        };
        let mut state = self.lock();
        let rid = format!("{:016x}", state.rng.next_u64());
        let ark = |reply: SimReply| match reply {
            SimReply::Respond { response, delay } => SimReply::Respond {
                response: in_ark_dialect(response, &rid),
                delay,
            },
            other => other,
        };
        match route {
            Route::Submit => state.stats.submits_received += 1,
            _ => state.stats.status_requests += 1,
        }
        let fault = match state.scripted.get_mut(&route).and_then(VecDeque::pop_front) {
            Some(f) => Some(f),
            None => {
                let State { rng, .. } = &mut *state;
                self.config.faults.draw(rng, route)
            }
        };
        if state
            .scripted
            .values()
            .any(|q| q.front() == Some(&Fault::Refuse))
        {
            self.refusals.notify_one();
        }
        if let Some(reply) = fault.as_ref().and_then(pre_effect) {
            return ark(reply);
        }
        let echo = self.config.echo_key_in_errors || fault == Some(Fault::EchoKey);
        if let Err(denied) = crate::auth::check(
            &self.config.api_key,
            authorization,
            echo,
            fault == Some(Fault::EchoKey),
        ) {
            state.stats.unauthorized += 1;
            return ark(respond(denied));
        }
        let response = self.ark(&mut state, call, request);
        ark(post_effect(fault, response))
    }
}

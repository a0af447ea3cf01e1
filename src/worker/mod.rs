//! The engine worker: a dedicated Web Worker that runs this same `.wasm` (one download, two entry
//! points). `public/engine-worker.js` loads Trunk's JS glue and the `.wasm`, then calls
//! [`run`], which answers the page's messages (see `crate::model::protocol`) while the page's
//! thread only renders and handles input.
//!
//! The decisions are [`dispatch::Dispatcher`]'s, tested natively; this module only moves
//! messages. The catalog is fetched, verified and cached here (`crate::catalog`), so its bytes
//! never reach the page's thread. Between two pieces of a recommendation the worker yields to
//! its own event loop, so a newer request is read and supersedes the running one.

pub mod dispatch;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::DedicatedWorkerGlobalScope;

use crate::catalog;
use crate::model::engine::Engine;
use crate::model::protocol::{Answer, Request};
use crate::runtime::{timed, yield_now};
use dispatch::{Dispatcher, Reply};

/// The worker's state: the dispatcher and whether a recommendation is being stepped.
struct Worker {
    scope: DedicatedWorkerGlobalScope,
    dispatcher: RefCell<Dispatcher>,
    stepping: Cell<bool>,
}

impl Worker {
    fn post(&self, id: u64, answer: &Answer, pixels: Option<Vec<u8>>) {
        let Ok(json) = serde_json::to_string(answer) else {
            return;
        };
        let message = Object::new();
        let _ = Reflect::set(&message, &"id".into(), &(id as f64).into());
        let _ = Reflect::set(&message, &"json".into(), &json.into());
        if matches!(answer, Answer::Progress(_)) {
            let _ = Reflect::set(&message, &"progress".into(), &true.into());
        }
        let posted = match pixels {
            Some(pixels) => {
                let array = Uint8Array::from(pixels.as_slice());
                let _ = Reflect::set(&message, &"pixels".into(), &array);
                // Transferred, not copied: the page gets the buffer, the worker lets it go.
                self.scope
                    .post_message_with_transfer(&message, &Array::of1(&array.buffer()))
            }
            None => self.scope.post_message(&message),
        };
        // A message that cannot be posted leaves its caller waiting: make that an error the
        // page hears (the worker's `error` event), not a silent hang.
        if let Err(e) = posted {
            wasm_bindgen::throw_val(e);
        }
    }

    fn reply(&self, reply: Reply) {
        self.post(reply.id, &reply.answer, reply.pixels);
    }

    fn receive(self: &Rc<Self>, id: u64, request: Request) {
        if request == Request::Load {
            spawn_local(Rc::clone(self).load(id));
            return;
        }
        // Timed in the worker's own timeline, beside the page's `post-*` and paint.
        let lane = format!("answer-{:?}", request.lane());
        let reply = timed(&lane, || self.dispatcher.borrow_mut().receive(id, request));
        if let Some(reply) = reply {
            self.reply(reply);
        }
        if self.dispatcher.borrow().is_busy() && !self.stepping.replace(true) {
            spawn_local(Rc::clone(self).step());
        }
    }

    /// Runs the recommendation in pieces, reading messages between them.
    async fn step(self: Rc<Self>) {
        while self.dispatcher.borrow().is_busy() {
            yield_now().await;
            let reply = timed("recommend-piece", || self.dispatcher.borrow_mut().step());
            if let Some(reply) = reply {
                self.reply(reply);
            }
        }
        self.stepping.set(false);
    }

    async fn load(self: Rc<Self>, id: u64) {
        let progress = |p| self.post(id, &Answer::Progress(p), None);
        let answer = match catalog::load(progress).await {
            Ok(catalog) => {
                let engine = Engine::build(catalog, yield_now).await;
                self.dispatcher.borrow_mut().ready(engine)
            }
            Err(e) => Answer::LoadFailed(e),
        };
        self.post(id, &answer, None);
        self.warm_up().await;
    }

    /// Warms the engine up a piece at a time once the page was told it is ready, reading
    /// messages between pieces: the listener's first search need not wait for it.
    async fn warm_up(&self) {
        loop {
            yield_now().await;
            if self.dispatcher.borrow_mut().warm_up_step() {
                return;
            }
        }
    }
}

/// Starts answering the page's messages. Called once by `engine-worker.js`.
pub fn run() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let worker = Rc::new(Worker {
        scope: scope.clone(),
        dispatcher: RefCell::new(Dispatcher::default()),
        stepping: Cell::new(false),
    });
    let on_message = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
        let data = Reflect::get(&event, &"data".into()).unwrap_or(JsValue::UNDEFINED);
        let id = Reflect::get(&data, &"id".into())
            .ok()
            .and_then(|v| v.as_f64());
        let json = Reflect::get(&data, &"json".into())
            .ok()
            .and_then(|v| v.as_string());
        let request = json.and_then(|json| serde_json::from_str::<Request>(&json).ok());
        match (id, request) {
            (Some(id), Some(request)) => worker.receive(id as u64, request),
            // The page and the worker are the same build, so this is a bug: say so loudly.
            _ => wasm_bindgen::throw_str("the engine worker got a message it cannot read"),
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
}

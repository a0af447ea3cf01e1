//! The page's side of the engine worker: it starts the worker (`engine-worker.js`, which loads
//! this very `.wasm` and calls `crate::worker`), posts each [`Request`] and pairs each reply with
//! its caller under [`Calls`]' latest-request rule.
//!
//! A worker that fails to start, throws, or sends a message that cannot be read stops answering:
//! every waiting caller is told at once (an `Err`), and `on_stop` says so, never a silent hang.

use std::cell::RefCell;
use std::rc::Rc;

use futures::future::LocalBoxFuture;
use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Worker, WorkerOptions, WorkerType};

use super::protocol::{Answer, Lane, Request};
use crate::catalog::Progress;
use crate::runtime::{Calls, timed};

/// The worker script, beside `index.html` (so relative to the page's base URL).
const WORKER_URL: &str = "engine-worker.js";

/// An answer and, for the map, its pixels.
#[derive(Debug)]
pub struct Reply {
    pub answer: Answer,
    pub pixels: Option<Vec<u8>>,
}

/// Why the worker stopped answering, for the listener's sentence.
pub type Stopped = String;

/// The resolve and reject functions of one caller's promise.
type Waiter = (Function, Function);

/// A running engine worker.
pub struct EngineWorker {
    worker: Worker,
    calls: Rc<RefCell<Calls<Lane, Waiter>>>,
    /// The handlers the worker calls; dropping them would detach them.
    _handlers: [Closure<dyn FnMut(JsValue)>; 3],
}

impl std::fmt::Debug for EngineWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineWorker").finish_non_exhaustive()
    }
}

fn field(value: &JsValue, name: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

impl EngineWorker {
    /// Starts the worker. `on_progress` hears the catalog's loading; `on_stop` hears once that
    /// the worker stopped, with why.
    pub fn start(
        on_progress: impl Fn(Progress) + 'static,
        on_stop: impl Fn(Stopped) + 'static,
    ) -> Result<Self, Stopped> {
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Module);
        let worker =
            Worker::new_with_options(WORKER_URL, &options).map_err(|e| format!("{e:?}"))?;
        let calls = Rc::new(RefCell::new(Calls::<Lane, Waiter>::default()));
        let on_stop = Rc::new(on_stop);
        let stop = {
            let calls = Rc::clone(&calls);
            let worker = worker.clone();
            move |why: Stopped| {
                worker.terminate();
                let waiting = calls.borrow_mut().fail_all();
                for (_, reject) in waiting {
                    let _ = reject.call1(&JsValue::NULL, &JsValue::from_str(&why));
                }
                on_stop(why);
            }
        };
        let stop = Rc::new(stop);
        let on_message = {
            let calls = Rc::clone(&calls);
            let stop = Rc::clone(&stop);
            Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
                let data = field(&event, "data");
                if let Some(why) = field(&data, "fatal").as_string() {
                    stop(why);
                    return;
                }
                let Some(id) = field(&data, "id").as_f64().map(|id| id as u64) else {
                    stop("an unreadable answer".to_owned());
                    return;
                };
                if field(&data, "progress").is_truthy() {
                    let json = field(&data, "json").as_string().unwrap_or_default();
                    if let Ok(progress) = serde_json::from_str(&json)
                        && calls.borrow().is_waiting(id)
                    {
                        on_progress(progress);
                    }
                    return;
                }
                // An answer nobody waits for any more (superseded) is dropped here.
                let Some((resolve, _)) = calls.borrow_mut().settle(id) else {
                    return;
                };
                let _ = resolve.call1(&JsValue::NULL, &data);
            })
        };
        let on_error = {
            let stop = Rc::clone(&stop);
            Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
                let message = field(&event, "message")
                    .as_string()
                    .unwrap_or_else(|| "it could not start".to_owned());
                stop(message);
            })
        };
        let on_message_error = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| {
            stop("a message it could not read".to_owned());
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        worker.set_onmessageerror(Some(on_message_error.as_ref().unchecked_ref()));
        Ok(Self {
            worker,
            calls,
            _handlers: [on_message, on_error, on_message_error],
        })
    }

    /// Asks `request`; `Ok(None)` when a newer request of its lane superseded it, `Err` when the
    /// worker stopped before answering.
    pub async fn ask(&self, request: Request) -> Result<Option<Reply>, Stopped> {
        let json = timed(&format!("write-{:?}", request.lane()), || {
            serde_json::to_string(&request)
        });
        self.ask_json(request.lane(), Box::pin(std::future::ready(json)))
            .await
    }

    /// Asks the request of `lane` whose JSON `json` writes (over several tasks, for a big one);
    /// a newer request of `lane` made meanwhile supersedes it before it is posted. (Boxed: one
    /// copy of this function in the `.wasm` for every kind of writing.)
    pub async fn ask_json(
        &self,
        lane: Lane,
        json: LocalBoxFuture<'_, serde_json::Result<String>>,
    ) -> Result<Option<Reply>, Stopped> {
        let mut waiter = None;
        let promise = Promise::new(&mut |resolve, reject| waiter = Some((resolve, reject)));
        let Some(waiter) = waiter else {
            return Ok(None);
        };
        let (id, superseded) = self.calls.borrow_mut().start(lane, waiter);
        if let Some((resolve, _)) = superseded {
            let _ = resolve.call1(&JsValue::NULL, &JsValue::NULL);
        }
        let json = match json.await {
            Ok(json) => json,
            Err(e) => {
                self.calls.borrow_mut().settle(id);
                return Err(e.to_string());
            }
        };
        if !self.calls.borrow().is_waiting(id) {
            return Ok(None);
        }
        // What the page's thread spends on a message, beside the worker's answer time.
        timed(&format!("post-{lane:?}"), || {
            let message = Object::new();
            let _ = Reflect::set(&message, &"id".into(), &(id as f64).into());
            let _ = Reflect::set(&message, &"json".into(), &json.into());
            self.worker
                .post_message(&message)
                .map_err(|e| format!("{e:?}"))
        })?;
        let data = JsFuture::from(promise)
            .await
            .map_err(|why| why.as_string().unwrap_or_default())?;
        if data.is_null() {
            return Ok(None);
        }
        let json = field(&data, "json").as_string().unwrap_or_default();
        let answer: Answer = serde_json::from_str(&json).map_err(|e| e.to_string())?;
        let pixels = field(&data, "pixels")
            .dyn_into::<Uint8Array>()
            .ok()
            .map(|array| array.to_vec());
        Ok(Some(Reply { answer, pixels }))
    }

    /// Stops the worker for good (a retry starts a new one).
    pub fn terminate(&self) {
        self.worker.terminate();
        for (_, reject) in self.calls.borrow_mut().fail_all() {
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str("stopped"));
        }
    }
}

//! The workload as JavaScript sees it: the page hands over the catalog bytes, then calls one
//! operation at a time and times each call with `performance.now()`, exactly as it times its own
//! JavaScript baseline. Errors become `JsError`s carrying the engine's message.

use encore_engine::Catalog;
use wasm_bindgen::prelude::*;

use crate::{Op, QUERIES, Workload, decode_steps};

#[wasm_bindgen]
extern "C" {
    /// The page's clock (`performance.now()`), for timing steps inside one call.
    #[wasm_bindgen(js_namespace = performance)]
    fn now() -> f64;
}

/// The benchmark's state in one page load: the catalog bytes, then the decoded catalog, then the
/// prepared workload.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Bench {
    bytes: Vec<u8>,
    catalog: Option<Catalog>,
    workload: Option<Workload>,
}

#[wasm_bindgen]
impl Bench {
    /// Copies the catalog file into WebAssembly memory.
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: Vec<u8>) -> Bench {
        Bench {
            bytes,
            catalog: None,
            workload: None,
        }
    }

    /// Decodes and validates the bytes and drops the result: the timed decode. Returns the
    /// number of tracks.
    pub fn decode(&self) -> Result<usize, JsError> {
        Ok(Catalog::from_bytes(&self.bytes)?.n_tracks())
    }

    /// Decodes step by step, as the app does, and drops the result: per step, its description,
    /// a tab and its milliseconds (where the decode's time goes, and its longest task).
    pub fn decode_steps(&self) -> Result<Vec<String>, JsError> {
        Ok(decode_steps(&self.bytes, now)?
            .into_iter()
            .map(|(step, ms)| format!("{step}\t{ms}"))
            .collect())
    }

    /// Decodes once more and keeps the catalog; the bytes are released, as the app does.
    pub fn keep(&mut self) -> Result<usize, JsError> {
        let catalog = Catalog::from_bytes(&self.bytes)?;
        self.bytes = Vec::new();
        let n = catalog.n_tracks();
        self.catalog = Some(catalog);
        Ok(n)
    }

    /// Builds what the app builds after decoding (matcher, recommender) and the inputs.
    pub fn prepare(&mut self) -> Result<(), JsError> {
        let catalog = self
            .catalog
            .take()
            .ok_or_else(|| JsError::new("call keep() first"))?;
        self.workload = Some(Workload::new(catalog));
        Ok(())
    }

    /// Runs the operation called `name` once; returns its checksum.
    pub fn run(&mut self, name: &str) -> Result<f64, JsError> {
        let op =
            Op::from_name(name).ok_or_else(|| JsError::new(&format!("no operation {name}")))?;
        Ok(self.workload_mut()?.run(op)? as f64)
    }

    /// The scaled feature matrix (16 values per track), decoded for the JavaScript baseline.
    pub fn scaled(&self) -> Result<Vec<f32>, JsError> {
        Ok(self.workload_ref()?.scaled_rows())
    }

    /// The scaled row of nearest-neighbour query `i`.
    pub fn query_row(&self, i: usize) -> Result<Vec<f32>, JsError> {
        Ok(self.workload_ref()?.query_row(i).to_vec())
    }

    /// The catalog track of query `i`, which every ranking skips.
    pub fn query_track(&self, i: usize) -> Result<u32, JsError> {
        let workload = self.workload_ref()?;
        workload
            .query_track(i)
            .map(|t| t.0)
            .ok_or_else(|| JsError::new("empty catalog"))
    }

    /// The tracks nearest to query `i` by the engine, to check the baseline's answer.
    pub fn nearest_tracks(&mut self, i: usize) -> Result<Vec<u32>, JsError> {
        Ok(self
            .workload_mut()?
            .nearest(i)
            .iter()
            .map(|n| n.track.0)
            .collect())
    }

    /// How many distinct queries the nearest-neighbour operations cycle through.
    pub fn queries() -> usize {
        QUERIES
    }

    /// Every operation's name, in table order.
    pub fn ops() -> Vec<String> {
        Op::all().into_iter().map(Op::name).collect()
    }

    fn workload_ref(&self) -> Result<&Workload, JsError> {
        self.workload
            .as_ref()
            .ok_or_else(|| JsError::new("call prepare() first"))
    }

    fn workload_mut(&mut self) -> Result<&mut Workload, JsError> {
        self.workload
            .as_mut()
            .ok_or_else(|| JsError::new("call prepare() first"))
    }
}

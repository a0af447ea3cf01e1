//! `meta`: the counts of the other sections and the models fitted offline (scaler, centroids,
//! inertia curve, map axes).

use super::super::cursor::Contents;
#[cfg(feature = "write")]
use super::super::cursor::Writer;
use super::super::decoder::Decoded;
use super::super::limits::MAX_K;
use super::super::limits::cost;
#[cfg(feature = "write")]
use super::super::unwritable;
use super::super::{CatalogError, invalid};
#[cfg(feature = "write")]
use super::Plan;
#[cfg(feature = "write")]
use super::count;
use crate::catalog::{KMeansModel, SCALED_STRIDE, Scaler};
use crate::pca::Projection2d;
use crate::space::CodeSpace;

pub(super) fn read_meta(contents: Contents<'_>, d: &mut Decoded) -> Result<(), CatalogError> {
    let mut meta = contents.reader();
    d.n_artists = meta.u32("artist count")? as usize;
    d.n_albums = meta.u32("album count")? as usize;
    d.n_genres = meta.u32("genre count")? as usize;
    d.n_sets = meta.u32("genre set count")? as usize;
    let k = usize::from(meta.u16("k")?);
    if k > MAX_K {
        return Err(invalid("meta", format!("k = {k} is above {MAX_K}")));
    }
    let curve_len = usize::from(meta.u16("curve length")?);
    let budget = &mut d.budget;
    budget.charge("meta", "artists", d.n_artists, cost::ARTIST)?;
    budget.charge("meta", "albums", d.n_albums, cost::ALBUM)?;
    budget.charge("meta", "genres", d.n_genres, cost::GENRE)?;
    budget.charge("meta", "genre sets", d.n_sets, cost::GENRE_SET)?;
    budget.charge("meta", "centroids", k, cost::CENTROID)?;
    budget.charge("meta", "inertia curve points", curve_len, cost::CURVE_POINT)?;
    let scaler = Scaler {
        offsets: meta.f32s("scaler offsets")?,
        scales: meta.f32s("scaler scales")?,
    };
    if scaler.scales.contains(&0.0) {
        return Err(invalid("meta", "a scaler scale is zero"));
    }
    meta.ensure(k, SCALED_STRIDE * 4, "centroids")?;
    let mut centroids = Vec::with_capacity(k * SCALED_STRIDE);
    for _ in 0..k * SCALED_STRIDE {
        centroids.push(meta.f32("centroid")?);
    }
    let mut inertia_curve = Vec::with_capacity(curve_len.min(1024));
    for _ in 0..curve_len {
        let kk = meta.u16("curve k")?;
        let inertia = f64::from_le_bytes(meta.array("curve inertia")?);
        inertia_curve.push((kk, inertia));
    }
    d.catalog.map = Projection2d {
        mean: meta.f32s("pca mean")?,
        axes: [meta.f32s("pca axis")?, meta.f32s("pca axis")?],
    };
    meta.finish()?;
    if d.n > 0 && k == 0 {
        return Err(invalid("meta", "k is 0 for a non-empty catalog"));
    }
    d.catalog.space = CodeSpace::new(&scaler);
    d.catalog.kmeans = KMeansModel {
        centroids,
        inertia_curve,
    };
    Ok(())
}

#[cfg(feature = "write")]
pub(super) fn write_meta(plan: &Plan<'_>) -> Result<Vec<u8>, CatalogError> {
    let c = plan.catalog;
    let k = c.kmeans.k();
    if k > MAX_K {
        return Err(unwritable(format!("k = {k} is above {MAX_K}")));
    }
    let curve_len = u16::try_from(c.kmeans.inertia_curve.len())
        .map_err(|_| unwritable("inertia curve too long"))?;
    let mut w = Writer::default();
    for v in [
        count(c.artists.names.len(), "artists")?,
        count(c.albums.len(), "albums")?,
        count(c.genres.names.len(), "genres")?,
        count(plan.genre_sets.len(), "genre sets")?,
    ] {
        w.0.extend_from_slice(&v.to_le_bytes());
    }
    w.0.extend_from_slice(&(k as u16).to_le_bytes());
    w.0.extend_from_slice(&curve_len.to_le_bytes());
    w.f32s(&c.scaler().offsets);
    w.f32s(&c.scaler().scales);
    w.f32s(&c.kmeans.centroids);
    for (kk, inertia) in &c.kmeans.inertia_curve {
        w.0.extend_from_slice(&kk.to_le_bytes());
        w.0.extend_from_slice(&inertia.to_le_bytes());
    }
    // The map's axes are stored, not the 2 x n positions: the reader projects every track.
    w.f32s(&c.map.mean);
    w.f32s(&c.map.axes[0]);
    w.f32s(&c.map.axes[1]);
    Ok(w.0)
}

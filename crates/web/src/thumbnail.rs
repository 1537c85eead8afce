//! Evidence thumbnails: a small picture of a photo, made on the server the
//! first time it is asked for and kept on disk next to the evidence file
//! (`<file>.thumb.jpg` or `.thumb.png`); a PDF shows an icon instead (drawn
//! inline by the template, `evidence_thumb.html`).
//!
//! A thumbnail is served by `/bukti/{id}/kecil` under the same permission check
//! as the evidence file itself.

use std::io::Cursor;
use std::path::PathBuf;

use image::{ImageFormat, ImageReader, Limits};
use pantau_store::EvidenceRow;

/// The longest side of a thumbnail, in pixels (twice its CSS size, for sharp screens).
pub const SIZE: u32 = 192;

/// The largest picture decoded (pixels a side, bytes in memory): evidence is
/// size-checked on upload, this keeps a crafted file from exhausting memory.
const MAX_SIDE: u32 = 12_000;
const MAX_ALLOC: u64 = 256 * 1024 * 1024;

/// An evidence file as a list shows it: a thumbnail, or the PDF icon.
pub struct EvidenceView {
    pub id: i64,
    pub name: String,
    pub pdf: bool,
}

impl EvidenceView {
    pub fn of(evidence: &EvidenceRow) -> EvidenceView {
        EvidenceView {
            id: evidence.id,
            name: evidence.file_name.clone(),
            pdf: evidence.content_type == "application/pdf",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ThumbnailError {
    #[error("not a picture ({0})")]
    NotAPicture(String),
    #[error("the picture cannot be read: {0}")]
    Decode(#[from] image::ImageError),
    #[error("the thumbnail cannot be kept: {0}")]
    Io(#[from] std::io::Error),
}

/// The thumbnail of a picture: its bytes and content type, made and kept if
/// it is not yet on disk.
pub async fn thumbnail_of(
    evidence: &EvidenceRow,
) -> Result<(Vec<u8>, &'static str), ThumbnailError> {
    let format = match evidence.content_type.as_str() {
        "image/png" => ImageFormat::Png,
        "image/jpeg" => ImageFormat::Jpeg,
        other => return Err(ThumbnailError::NotAPicture(other.to_owned())),
    };
    let path = cached_path(&evidence.stored_path, format);
    let content_type = format.to_mime_type();
    if let Ok(bytes) = tokio::fs::read(&path).await {
        return Ok((bytes, content_type));
    }
    let original = tokio::fs::read(&evidence.stored_path).await?;
    let bytes = tokio::task::spawn_blocking(move || make(&original, format))
        .await
        .map_err(|err| std::io::Error::other(err.to_string()))??;
    // Written under a name of its own, then renamed: a reader never sees half a file.
    let partial = path.with_extension(format!("part{:016x}", rand::random::<u64>()));
    tokio::fs::write(&partial, &bytes).await?;
    if let Err(err) = tokio::fs::rename(&partial, &path).await {
        let _ = tokio::fs::remove_file(&partial).await;
        tracing::warn!(path = %path.display(), %err, "a thumbnail is not kept");
    }
    Ok((bytes, content_type))
}

/// Where the thumbnail of the file at `stored` is kept.
pub fn cached_path(stored: &str, format: ImageFormat) -> PathBuf {
    let extension = match format {
        ImageFormat::Png => "thumb.png",
        _ => "thumb.jpg",
    };
    PathBuf::from(format!("{stored}.{extension}"))
}

/// A picture made small: at most [`SIZE`] a side, its proportions kept, in
/// the picture's own format (PNG keeps its transparency).
pub fn make(original: &[u8], format: ImageFormat) -> Result<Vec<u8>, ThumbnailError> {
    let mut reader = ImageReader::with_format(Cursor::new(original), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let picture = reader.decode()?;
    let small = if picture.width() > SIZE || picture.height() > SIZE {
        picture.thumbnail(SIZE, SIZE)
    } else {
        picture
    };
    let mut out = Cursor::new(Vec::new());
    match format {
        ImageFormat::Png => small.write_to(&mut out, ImageFormat::Png)?,
        _ => small.into_rgb8().write_to(&mut out, ImageFormat::Jpeg)?,
    }
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_photo_becomes_a_small_one_of_the_same_shape() {
        let photo = image::RgbImage::from_fn(800, 400, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        let mut bytes = Cursor::new(Vec::new());
        photo.write_to(&mut bytes, ImageFormat::Jpeg).unwrap();
        let small = make(bytes.get_ref(), ImageFormat::Jpeg).unwrap();
        let decoded = image::load_from_memory_with_format(&small, ImageFormat::Jpeg).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (SIZE, SIZE / 2));
        assert!(small.len() < bytes.get_ref().len());
    }

    #[test]
    fn a_file_that_is_no_picture_is_refused() {
        assert!(make(b"%PDF-1.4 not a png", ImageFormat::Png).is_err());
    }
}

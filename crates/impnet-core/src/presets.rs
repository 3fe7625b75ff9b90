//! The presets of SPEC §12: scenario files in `presets/`, compiled in so the playground and the
//! binary ship the same ones.

/// One shipped scenario.
#[derive(Clone, Copy, Debug)]
pub struct Preset {
    /// File stem in `presets/`, used in URLs and on the command line.
    pub id: &'static str,
    pub title: &'static str,
    /// One line for the gallery.
    pub description: &'static str,
    pub toml: &'static str,
}

pub const ALL: &[Preset] = &[];

pub fn find(id: &str) -> Option<&'static Preset> {
    ALL.iter().find(|p| p.id == id)
}

//! The project stands alone: no tracked file points outside the repository,
//! and the documents the README promises exist.

use std::path::Path;

fn text_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name == "target" || name == "corpus" {
            continue;
        }
        if path.is_dir() {
            text_files(&path, out);
        } else if ["rs", "md", "toml", "csv", "py", "svg", "json", "sh"]
            .iter()
            .any(|ext| name.ends_with(&format!(".{ext}")))
            || name == "run"
        {
            out.push(path);
        }
    }
}

#[test]
fn no_file_names_a_path_outside_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    text_files(root, &mut files);
    assert!(files.len() > 20, "only {} files found", files.len());
    // Built at run time so that this file does not match itself.
    let outside = ["../", "shared", "/spec/"].concat();
    let named = ["shared", "/spec/"].concat();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        for needle in [&outside, &named] {
            assert!(
                !text.contains(needle.as_str()),
                "{} names {needle}",
                file.display()
            );
        }
    }
}

#[test]
fn the_readme_links_the_model_and_the_contract() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README");
    for doc in ["docs/model.md", "docs/cli.md"] {
        assert!(readme.contains(doc), "README does not link {doc}");
        assert!(root.join(doc).exists(), "{doc} missing");
    }
    let model = std::fs::read_to_string(root.join("docs/model.md")).expect("model");
    // One section per preset.
    for p in skewsim::sim::presets() {
        assert!(
            model.contains(&format!("`{}`", p.name)),
            "docs/model.md has no section naming `{}`",
            p.name
        );
    }
}

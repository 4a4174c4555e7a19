//! The family's catalog as a user assembles it: the entries `idgraph-common` keeps plus
//! the one each vendor crate exports, queried together.

use idgraph_common::graph::catalog::{self, AppId, CatalogEntry, CaveatKind, Operation};

fn family() -> Vec<&'static CatalogEntry> {
    let mut all: Vec<&'static CatalogEntry> = catalog::builtin().iter().collect();
    all.extend([
        hyperproof::catalog_entry(),
        proofpoint_essentials::catalog_entry(),
        probo_scim::catalog_entry(),
    ]);
    all
}

fn ids(entries: impl Iterator<Item = &'static CatalogEntry>) -> Vec<&'static str> {
    entries.map(|e| e.app.as_str()).collect()
}

#[test]
fn every_app_has_one_id_and_the_vendor_crates_own_theirs() {
    let all = family();
    assert_eq!(
        ids(all.iter().copied()),
        [
            "proof",
            "tessian",
            "scim",
            "hyperproof",
            "proofpoint-essentials",
            "probo"
        ]
    );
    let mut unique: Vec<&AppId> = all.iter().map(|e| &e.app).collect();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), all.len());
    assert_eq!(probo_scim::catalog_entry().app, probo_scim::APP_ID);
    assert_eq!(hyperproof::catalog_entry().app, hyperproof::APP_ID);
    let pp = proofpoint_essentials::catalog_entry_interface_v1();
    assert_eq!(
        pp.app,
        proofpoint_essentials::APP_ID,
        "one app, two surfaces"
    );
}

#[test]
fn the_catalog_answers_questions_across_the_family() {
    let all = family();
    let no_deprovision = ids(all.iter().copied().filter(|e| !e.can_deprovision_by_api()));
    assert_eq!(no_deprovision, ["proof", "tessian"]);
    let scim = ids(all.iter().copied().filter(|e| e.scim.available));
    assert_eq!(scim, ["scim", "hyperproof", "probo"]);
    let deletable = ids(all.iter().copied().filter(|e| e.by_api(Operation::Delete)));
    assert_eq!(deletable, ["scim", "proofpoint-essentials", "probo"]);
    let irreversible = ids(all.iter().copied().filter(|e| {
        e.caveats_of(CaveatKind::IrreversibleDelete)
            .next()
            .is_some()
    }));
    assert_eq!(irreversible, ["scim", "proofpoint-essentials"]);
    assert!(all.iter().all(|e| !e.caveats.is_empty()));
}

#[test]
fn vendor_entries_keep_the_seed_facts() {
    let hp = hyperproof::catalog_entry();
    assert!(hp.scim.available && hp.by_api(Operation::Deactivate));
    assert!(!hp.by_api(Operation::Delete));
    let probo = probo_scim::catalog_entry();
    assert!(probo.by_api(Operation::Delete) && !probo.lifecycle.stores.groups);
    let pp = proofpoint_essentials::catalog_entry();
    assert_eq!(pp.pagination.max_page_size, Some(1000));
    assert!(
        pp.caveats_of(CaveatKind::FullReplaceUpdate)
            .next()
            .is_some()
    );
    assert!(!pp.lifecycle.rename_loses.is_empty());
    // Every step that is not by API names what a person does instead, in the vendor's
    // own words, not the builder's generic fallback.
    for e in family() {
        for op in Operation::ALL {
            let step = e.step(op);
            if !step.route.is_api() {
                assert!(
                    !step.how.starts_with("ask an administrator of"),
                    "{} {op}: {}",
                    e.app,
                    step.how
                );
            }
        }
    }
}

#[test]
fn entries_serialise_with_their_open_ids() {
    let v = serde_json::to_value(probo_scim::catalog_entry()).unwrap_or_default();
    assert_eq!(v["app"], "probo");
    assert_eq!(v["lifecycle"]["delete"]["route"], "scim");
}

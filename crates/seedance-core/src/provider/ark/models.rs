//! Which id a request sends on each Ark platform (the ids themselves are
//! [`crate::model_ids`]), and the models a platform does not serve.

use crate::model::Model;
use crate::model_ids::{MODEL_IDS, ModelIds};
use crate::provider::{ModelNotServed, ProviderKind};

/// The id on `provider` of the model `ids` describe (apimart: the
/// project's id).
pub fn platform_id(ids: &ModelIds, provider: ProviderKind) -> &str {
    match provider {
        ProviderKind::Apimart => ids.model.as_str(),
        ProviderKind::Ark => ids.volcengine,
        ProviderKind::BytePlus => ids.byteplus,
    }
}

/// The id `provider` (an Ark platform) knows `model` by.
///
/// - The project's models map to the platform's dated id.
/// - A platform id in either spelling, dated or not
///   (`doubao-seedance-2-0-fast-260128`, `dreamina-seedance-2-0-fast`), is
///   accepted and written the chosen platform's way, so a manifest written
///   on one platform resumes on the other.
/// - Any other id is sent as written (an endpoint id `ep-...`, or a model
///   newer than this table), like [`Model::other`] on apimart.
///
/// Refused, naming the provider: apimart's `-face` variants, and an id in
/// apimart's dotted spelling that this table does not know.
pub fn model_id(provider: ProviderKind, model: &Model) -> Result<String, ModelNotServed> {
    let refuse = |reason: String| ModelNotServed {
        provider,
        model: model.as_str().to_owned(),
        reason,
    };
    match model {
        Model::Seedance2Face | Model::Seedance2FastFace => Err(refuse(format!(
            "the `-face` variants are apimart's; on {} send real people as authorised assets (`asset://...`) with `{}`",
            provider.display_name(),
            model.base()
        ))),
        Model::Other(id) => {
            let id = id.trim();
            if let Some(ids) = MODEL_IDS.iter().find(|m| m.matches(id)) {
                return Ok(platform_id(ids, provider).to_owned());
            }
            if id.contains("seedance-2.") {
                return Err(refuse(format!(
                    "`{id}` is apimart's spelling of a model this version does not know; {} ids look like `{}`",
                    provider.display_name(),
                    platform_id(&MODEL_IDS[0], provider)
                )));
            }
            Ok(id.to_owned())
        }
        known => MODEL_IDS
            .iter()
            .find(|m| m.model == *known)
            .map(|m| platform_id(m, provider).to_owned())
            .ok_or_else(|| refuse("no id is known for it on this platform".to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model_ids::project_model;

    #[test]
    fn project_models_map_to_each_platforms_dated_id() {
        assert_eq!(
            model_id(ProviderKind::Ark, &Model::Seedance2).unwrap(),
            "doubao-seedance-2-0-260128"
        );
        assert_eq!(
            model_id(ProviderKind::BytePlus, &Model::Seedance2Mini).unwrap(),
            "dreamina-seedance-2-0-mini-260615"
        );
        assert_eq!(
            ProviderKind::Apimart
                .model_id(&Model::Seedance2Face)
                .unwrap(),
            "doubao-seedance-2.0-face"
        );
    }

    #[test]
    fn either_platforms_spelling_is_accepted_and_rewritten() {
        for given in [
            "doubao-seedance-2-0-fast-260128",
            "dreamina-seedance-2-0-fast-260128",
            "dreamina-seedance-2-0-fast",
            "doubao-seedance-2-0-fast",
        ] {
            assert_eq!(
                model_id(ProviderKind::BytePlus, &Model::other(given)).unwrap(),
                "dreamina-seedance-2-0-fast-260128",
                "{given}"
            );
            assert_eq!(
                model_id(ProviderKind::Ark, &Model::other(given)).unwrap(),
                "doubao-seedance-2-0-fast-260128",
                "{given}"
            );
            assert_eq!(project_model(given), Some(Model::Seedance2Fast));
        }
        // Endpoint ids and newer models go through as written.
        assert_eq!(
            model_id(ProviderKind::Ark, &Model::other("ep-20260801-abcde")).unwrap(),
            "ep-20260801-abcde"
        );
        assert_eq!(
            model_id(
                ProviderKind::BytePlus,
                &Model::other("dreamina-seedance-2-5-260628")
            )
            .unwrap(),
            "dreamina-seedance-2-5-260628"
        );
        assert_eq!(project_model("ep-20260801-abcde"), None);
    }

    #[test]
    fn platform_ids_parse_as_the_project_model_and_serialize_as_it() {
        for (given, model) in [
            ("dreamina-seedance-2-0-fast-260128", Model::Seedance2Fast),
            ("doubao-seedance-2-0-260128", Model::Seedance2),
            ("dreamina-seedance-2-0-mini", Model::Seedance2Mini),
        ] {
            assert_eq!(given.parse::<Model>(), Ok(model.clone()), "{given}");
            let from_json: Model = serde_json::from_value(serde_json::json!(given)).unwrap();
            assert_eq!(from_json, model);
        }
        // Still strict on everything else.
        assert!("seedance-2-0-260128".parse::<Model>().is_err());
        assert!("doubao-seedance-2.0-pro".parse::<Model>().is_err());
    }

    #[test]
    fn face_variants_and_unknown_dotted_ids_are_refused_naming_the_provider() {
        let err = model_id(ProviderKind::BytePlus, &Model::Seedance2FastFace).unwrap_err();
        assert_eq!(err.provider, ProviderKind::BytePlus);
        assert!(
            err.to_string()
                .starts_with("BytePlus ModelArk does not serve `doubao-seedance-2.0-fast-face`"),
            "{err}"
        );
        assert!(
            err.to_string().contains("doubao-seedance-2.0-fast"),
            "{err}"
        );
        let err =
            model_id(ProviderKind::Ark, &Model::other("doubao-seedance-2.0-pro")).unwrap_err();
        assert!(err.to_string().contains("Volcengine Ark"), "{err}");
        assert!(
            err.to_string().contains("doubao-seedance-2-0-260128"),
            "{err}"
        );
    }
}

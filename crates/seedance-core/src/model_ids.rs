//! Each model's names: the project's (apimart's ids), and the dated ids
//! Volcengine Ark and BytePlus ModelArk know the same model by. Parsing a
//! [`Model`] accepts any of them, so a request file written for Ark reads
//! the same as one written for apimart; which id is sent is the provider's
//! business ([`crate::provider::ark::model_id`]).

use crate::model::Model;

/// One model's ids on the two Ark platforms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelIds {
    /// The project's model (apimart's id).
    pub model: Model,
    /// The dated id on Volcengine Ark.
    pub volcengine: &'static str,
    /// The dated id on BytePlus ModelArk.
    pub byteplus: &'static str,
}

/// Every model both Ark platforms serve, with its dated ids (Volcengine
/// `doubao-seedance-2-0-*`, BytePlus `dreamina-seedance-2-0-*`; see
/// `docs/providers.md` for the sources). apimart's `-face` variants have
/// no counterpart: on Ark, real people go through authorised assets.
pub const MODEL_IDS: &[ModelIds] = &[
    ModelIds {
        model: Model::Seedance2,
        volcengine: "doubao-seedance-2-0-260128",
        byteplus: "dreamina-seedance-2-0-260128",
    },
    ModelIds {
        model: Model::Seedance2Fast,
        volcengine: "doubao-seedance-2-0-fast-260128",
        byteplus: "dreamina-seedance-2-0-fast-260128",
    },
    ModelIds {
        model: Model::Seedance2Mini,
        volcengine: "doubao-seedance-2-0-mini-260615",
        byteplus: "dreamina-seedance-2-0-mini-260615",
    },
];

impl ModelIds {
    /// Whether `id` names this model in any known spelling: the project's,
    /// either platform's dated id, or either id without its date suffix.
    pub fn matches(&self, id: &str) -> bool {
        let undated = |dated: &str| dated.rsplit_once('-').map(|(head, _)| head.to_owned());
        id == self.model.as_str()
            || id == self.volcengine
            || id == self.byteplus
            || undated(self.volcengine).is_some_and(|u| u == id)
            || undated(self.byteplus).is_some_and(|u| u == id)
    }
}

/// The project's model for an id a task reports (`"model"` in a task body,
/// which Ark writes as `name-version`), or `None` for an id not in
/// [`MODEL_IDS`] (an endpoint id, a newer model).
pub fn project_model(id: &str) -> Option<Model> {
    MODEL_IDS
        .iter()
        .find(|m| m.matches(id.trim()))
        .map(|m| m.model.clone())
}

impl std::str::FromStr for Model {
    type Err = crate::wire_enum::UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "doubao-seedance-2.0" => Ok(Model::Seedance2),
            "doubao-seedance-2.0-fast" => Ok(Model::Seedance2Fast),
            "doubao-seedance-2.0-mini" => Ok(Model::Seedance2Mini),
            "doubao-seedance-2.0-face" => Ok(Model::Seedance2Face),
            "doubao-seedance-2.0-fast-face" => Ok(Model::Seedance2FastFace),
            // The same models under their Ark ids (Volcengine
            // `doubao-seedance-2-0-260128`, BytePlus `dreamina-...`, dated
            // or not): what Ark users already write. Each provider then
            // sends its own id for the model.
            other => project_model(other).ok_or_else(|| crate::wire_enum::UnknownValue {
                value: s.to_owned(),
                expected: Model::WIRE_VALUES,
            }),
        }
    }
}

//! Services' check configurations in the OpenAPI document: each type's `config` has its
//! own schema (from the check's own definition), and a service is a union tagged by
//! `type`, so generated clients and forms know which settings go with which type.
//!
//! The handlers read `type` and `config` loosely and validate them in the monitors layer,
//! which names each bad field in the envelope; only the document is shaped here.

use utoipa::openapi::schema::{AnyOfBuilder, Object, ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::{Components, OpenApi, Ref, RefOr};
use utoipa::ToSchema;

/// Each service `type` with the name of its config schema, registering the schemas.
fn service_configs(components: &mut Components) -> Vec<(&'static str, String)> {
    use monitron_probe::{dns, grpc, http, mqtt, ping, tcp, tls};
    let mut out = Vec::new();
    register::<dns::Config>(components, &mut out, "dns");
    register::<grpc::Config>(components, &mut out, "grpc");
    register::<crate::heartbeat::Config>(components, &mut out, crate::monitors::check::HEARTBEAT);
    register::<http::Config>(components, &mut out, "http");
    register::<mqtt::Config>(components, &mut out, "mqtt");
    register::<ping::Config>(components, &mut out, "ping");
    register::<tcp::Config>(components, &mut out, "tcp");
    register::<tls::Config>(components, &mut out, "tls");
    out
}

fn register<T: ToSchema>(
    components: &mut Components,
    out: &mut Vec<(&'static str, String)>,
    type_name: &'static str,
) {
    let mut nested = Vec::new();
    T::schemas(&mut nested);
    for (name, schema) in nested {
        components.schemas.entry(name).or_insert(schema);
    }
    let name = T::name().into_owned();
    components.schemas.insert(name.clone(), T::schema());
    out.push((type_name, name));
}

/// Reshapes the service schemas of `doc` (see the module comment).
pub fn tag_service_checks(doc: &mut OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    let configs = service_configs(components);
    for name in ["CreateService", "ServiceView"] {
        if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get(name).cloned() {
            components
                .schemas
                .insert(name.to_owned(), tagged(object, &configs).into());
        }
    }
    // A list page of services holds the same union (generics inline their item).
    if let Some(RefOr::T(Schema::Object(mut page))) =
        components.schemas.get("ListPage_ServiceView").cloned()
    {
        if let Some(RefOr::T(Schema::Array(items))) = page.properties.get_mut("items") {
            items.items = utoipa::openapi::schema::ArrayItems::RefOrSchema(Box::new(
                Ref::from_schema_name("ServiceView").into(),
            ));
            components.schemas.insert(
                "ListPage_ServiceView".to_owned(),
                Schema::Object(page).into(),
            );
        }
    }
    // A change may send `config` alone, for the service's current type.
    if let Some(RefOr::T(Schema::Object(mut object))) =
        components.schemas.get("UpdateService").cloned()
    {
        let mut any = AnyOfBuilder::new().description(Some(
            "New settings for the type given in `type`, or for the current type",
        ));
        for (_, schema) in &configs {
            any = any.item(Ref::from_schema_name(schema.clone()));
        }
        any = any.item(ObjectBuilder::new().schema_type(Type::Null));
        object.properties.insert("config".to_owned(), any.into());
        components
            .schemas
            .insert("UpdateService".to_owned(), Schema::Object(object).into());
    }
}

/// One variant of `object` per type: `type` fixed to that type, `config` its schema.
fn tagged(object: Object, configs: &[(&'static str, String)]) -> Schema {
    let mut one_of = OneOfBuilder::new().description(object.description.clone());
    for (type_name, schema) in configs {
        let mut variant = object.clone();
        variant.description = None;
        variant.title = Some(format!("{type_name} check"));
        variant.properties.insert(
            "type".to_owned(),
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some([*type_name]))
                .into(),
        );
        variant.properties.insert(
            "config".to_owned(),
            Ref::from_schema_name(schema.clone()).into(),
        );
        one_of = one_of.item(variant);
    }
    one_of.build().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_service_type_has_a_config_schema() {
        let mut components = Components::new();
        let configs = service_configs(&mut components);
        let mut types: Vec<&str> = configs.iter().map(|(t, _)| *t).collect();
        types.sort_unstable();
        assert_eq!(types, crate::monitors::check::service_types());
        for (_, schema) in configs {
            assert!(components.schemas.contains_key(&schema), "{schema}");
        }
    }

    #[test]
    fn a_new_service_is_a_union_tagged_by_type() {
        let doc = serde_json::to_value(crate::api::openapi_document()).unwrap();
        let create = &doc["components"]["schemas"]["CreateService"];
        let variants = create["oneOf"].as_array().expect("a union");
        let http = variants
            .iter()
            .find(|v| v["properties"]["type"]["enum"][0] == "http")
            .expect("an http variant");
        assert_eq!(
            http["properties"]["config"]["$ref"],
            "#/components/schemas/HttpCheck"
        );
        assert!(http["properties"]["name"].is_object());
        let page = &doc["components"]["schemas"]["ListPage_ServiceView"];
        assert_eq!(
            page["properties"]["items"]["items"]["$ref"],
            "#/components/schemas/ServiceView"
        );
        let check = &doc["components"]["schemas"]["HttpCheck"];
        assert_eq!(check["required"], serde_json::json!(["url"]));
        assert!(check["properties"]["expected_status"].is_object());
    }
}

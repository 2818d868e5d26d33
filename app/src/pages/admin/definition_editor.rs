//! Registering a job definition: a form (image, command as shell words, resources, environment,
//! secrets, volumes, retry rules, timeout, parameters, tags) and a JSON tab holding the same
//! request, each switching to the other without losing a member. `?edit=name:revision` fills it
//! from that revision, so an edit registers the next revision.

use crate::api::console::{DefinitionOutcome, FieldRejection, RegisterDefinition, RegisterDefinitionForm};
use domain::definition_form::{DefinitionForm, Field};
use domain::views::JobDefinitionDetail;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

/// The inputs, grouped as a person thinks of them.
const GROUPS: [(&str, &[Field]); 5] = [
    ("Container", &[Field::Name, Field::Image, Field::Command, Field::Vcpus, Field::Memory, Field::Gpus]),
    ("Environment", &[Field::Environment, Field::Secrets]),
    ("Storage", &[Field::Volumes, Field::MountPoints]),
    ("Retries and time limit", &[Field::RetryAttempts, Field::RetryRules, Field::Timeout]),
    ("Parameters and tags", &[Field::Parameters, Field::Tags]),
];

fn placeholder(field: Field) -> &'static str {
    match field {
        Field::Name => "nightly-report",
        Field::Image => "batch-examples/busybox:latest",
        Field::Command => "sh -c 'echo hello; exit 0'",
        Field::Vcpus => "0.5",
        Field::Memory => "64",
        Field::Gpus => "0",
        Field::Environment => "GREETING=hello world",
        Field::Secrets => "TOKEN=team-token",
        Field::Volumes => "scratch\ndata=/srv/batch-data",
        Field::MountPoints => "scratch:/tmp/scratch\ndata:/data:ro",
        Field::RetryAttempts => "1",
        Field::RetryRules => "RETRY onExitCode=137\nEXIT onExitCode='*'",
        Field::Timeout => "3600",
        Field::Parameters => "day=mon",
        Field::Tags => "team=data",
        Field::Form => "",
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Form,
    Json,
}

#[component]
pub fn DefinitionEditor(
    register_form: ServerAction<RegisterDefinitionForm>,
    register_json: ServerAction<RegisterDefinition>,
    definitions: Resource<Result<Vec<JobDefinitionDetail>, ServerFnError>>,
    /// Set to `name:revision` when a registration took.
    created: RwSignal<Option<String>>,
) -> impl IntoView {
    let draft = RwSignal::new(DefinitionForm::default());
    let json_text = RwSignal::new(String::new());
    let tab = RwSignal::new(Tab::Form);
    let rejection = RwSignal::new(None::<FieldRejection>);
    let json_error = RwSignal::new(None::<String>);
    let query = use_query_map();
    let editing = move || query.with(|q| q.get("edit")).filter(|e| !e.is_empty());
    fill_from_revision(draft, editing, definitions);
    after_registering(Registering { register_form, register_json, draft, json_text, rejection, created });

    let to_json = move |_| match draft.with(DefinitionForm::to_json) {
        _ if tab.get_untracked() == Tab::Json => {}
        Ok(text) => {
            json_text.set(text);
            rejection.set(None);
            tab.set(Tab::Json);
        }
        Err(error) => rejection.set(Some(draft.with(|form| FieldRejection::of(form, error)))),
    };
    let to_form = move |_| match DefinitionForm::of_json(&json_text.get_untracked()) {
        _ if tab.get_untracked() == Tab::Form => {}
        Ok(form) => {
            draft.set(form);
            json_error.set(None);
            tab.set(Tab::Form);
        }
        Err(error) => json_error.set(Some(error.message)),
    };
    let heading = move || match editing() {
        Some(edit) => format!(
            "New revision of {} (from revision {})",
            edit.split(':').next().unwrap_or_default(),
            edit.split(':').nth(1).unwrap_or("?")
        ),
        None => "Register a job definition".to_string(),
    };
    view! {
        <section id="register" class="definition-editor">
            <h2>{heading}</h2>
            <div role="tablist" aria-label="Write the definition as" class="tabs">
                <button
                    type="button"
                    role="tab"
                    id="tab-form"
                    aria-controls="panel-form"
                    aria-selected=move || (tab.get() == Tab::Form).to_string()
                    on:click=to_form
                >
                    "Form"
                </button>
                <button
                    type="button"
                    role="tab"
                    id="tab-json"
                    aria-controls="panel-json"
                    aria-selected=move || (tab.get() == Tab::Json).to_string()
                    on:click=to_json
                >
                    "JSON"
                </button>
            </div>
            <div id="panel-form" role="tabpanel" aria-labelledby="tab-form" hidden=move || tab.get() != Tab::Form>
                <ActionForm action=register_form attr:class="submit-form definition-form">
                    {move || {
                        rejection
                            .get()
                            .filter(|r| r.field == Field::Form)
                            .map(|r| {
                                view! {
                                    <p class="error" role="alert">
                                        {format!("{}: {}", r.path, r.message)}
                                    </p>
                                }
                            })
                    }}
                    {GROUPS
                        .iter()
                        .map(|(legend, fields)| {
                            view! {
                                <fieldset>
                                    <legend>{*legend}</legend>
                                    {fields.iter().map(|field| view! { <FieldInput field=*field draft rejection /> }).collect_view()}
                                </fieldset>
                            }
                        })
                        .collect_view()}
                    <input type="hidden" name="form[rest]" prop:value=move || draft.with(|d| d.rest.clone()) />
                    {move || {
                        let kept = draft.with(DefinitionForm::kept_members);
                        (!kept.is_empty())
                            .then(|| {
                                view! { <p class="hint kept">"Also sent as written in the JSON tab: " <code>{kept.join(", ")}</code></p> }
                            })
                    }}
                    <button type="submit">"Register"</button>
                </ActionForm>
            </div>
            <div id="panel-json" role="tabpanel" aria-labelledby="tab-json" hidden=move || tab.get() != Tab::Json>
                <ActionForm action=register_json attr:class="stack">
                    <label>
                        "RegisterJobDefinition JSON (as for the AWS API)"
                        <textarea
                            name="json"
                            rows="16"
                            class="json"
                            prop:value=move || json_text.get()
                            on:input=move |event| json_text.set(event_target_value(&event))
                        ></textarea>
                    </label>
                    {move || {
                        json_error
                            .get()
                            .map(|message| {
                                view! {
                                    <span class="field-error" role="alert">
                                        {message}
                                    </span>
                                }
                            })
                    }}
                    <button type="submit">"Register"</button>
                </ActionForm>
            </div>
        </section>
    }
}

/// One labelled input, its error beside it (the API member in small print), and for the
/// command the argument list it becomes.
#[component]
fn FieldInput(field: Field, draft: RwSignal<DefinitionForm>, rejection: RwSignal<Option<FieldRejection>>) -> impl IntoView {
    let name = format!("form[{}]", field.key());
    let value = move || draft.with(|form| field.text(form).to_string());
    let typed = move |event| draft.update(|form| *field.place(form) = event_target_value(&event));
    let input = if field.multiline() {
        view! { <textarea name=name rows="3" placeholder=placeholder(field) prop:value=value on:input=typed></textarea> }.into_any()
    } else {
        view! { <input name=name placeholder=placeholder(field) prop:value=value on:input=typed required=field == Field::Name /> }
            .into_any()
    };
    let error = move || {
        rejection.get().filter(|r| r.field == field).map(|r| {
            view! {
                <span class="field-error" role="alert">
                    {r.message}
                    " "
                    <small class="api-name">{r.path}</small>
                </span>
            }
        })
    };
    let preview = (field == Field::Command).then(|| {
        let text = Signal::derive(value);
        view! { <crate::pages::CommandPreview text empty="Empty: the image's own command runs." /> }
    });
    view! { <label>{field.label()} " " <small class="api-name">{field.api_name()}</small> {input} {preview} {error}</label> }
}

/// `?edit=name:revision`: the form filled from that revision, once (a later refetch of the list
/// does not overwrite what was typed since).
fn fill_from_revision(
    draft: RwSignal<DefinitionForm>,
    editing: impl Fn() -> Option<String> + Send + Sync + 'static,
    definitions: Resource<Result<Vec<JobDefinitionDetail>, ServerFnError>>,
) {
    let filled_from = StoredValue::new(None::<String>);
    Effect::new(move |_| {
        let Some(edit) = editing() else { return };
        if filled_from.get_value().as_deref() == Some(edit.as_str()) {
            return;
        }
        let Some(Ok(list)) = definitions.get() else { return };
        let (name, revision) = edit.split_once(':').unwrap_or((edit.as_str(), ""));
        let found =
            list.iter().filter(|d| d.job_definition_name == name).find(|d| revision.is_empty() || d.revision.to_string() == revision);
        if let Some(found) = found {
            draft.set(DefinitionForm::of_revision(found));
            filled_from.set_value(Some(edit));
        }
    });
}

/// What the server's answer changes.
struct Registering {
    register_form: ServerAction<RegisterDefinitionForm>,
    register_json: ServerAction<RegisterDefinition>,
    draft: RwSignal<DefinitionForm>,
    json_text: RwSignal<String>,
    rejection: RwSignal<Option<FieldRejection>>,
    created: RwSignal<Option<String>>,
}

/// The server's answer: a refused input is marked; a registered revision is announced, both
/// tabs are cleared and, after an edit, edit mode is left.
fn after_registering(on: Registering) {
    let Registering { register_form, register_json, draft, json_text, rejection, created } = on;
    let query = use_query_map();
    let navigate = use_navigate();
    let registered = move |revision: String| {
        created.set(Some(revision));
        draft.set(DefinitionForm::default());
        json_text.set(String::new());
        rejection.set(None);
        if query.with_untracked(|q| q.get("edit").is_some()) {
            navigate("/definitions", Default::default());
        }
    };
    let registered_from_form = registered.clone();
    Effect::new(move |_| match register_form.value().get() {
        Some(Ok(DefinitionOutcome::Rejected(refused))) => rejection.set(Some(refused)),
        Some(Ok(DefinitionOutcome::Registered { revision })) => registered_from_form(revision),
        _ => {}
    });
    Effect::new(move |_| {
        if let Some(Ok(revision)) = register_json.value().get() {
            registered(revision);
        }
    });
}

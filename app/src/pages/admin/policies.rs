//! Scheduling policies: the weights of a fair-share queue's teams as a table, created and
//! edited by form (ARCHITECTURE.md §14). `?edit=NAME` opens a policy in the form.

use crate::api::fair_share::{DeletePolicy, PolicyOutcome, SavePolicy, list_policies};
use crate::layout::may;
use crate::pages::error_line;
use domain::access::Action;
use domain::policy_form::{PolicyForm, ShareRow};
use domain::views::SchedulingPolicyDetail;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Blank rows the form offers beyond the policy's own, for new shares.
const SPARE_ROWS: usize = 2;

#[component]
pub fn PoliciesPage() -> impl IntoView {
    let query = use_query_map();
    let save = ServerAction::<SavePolicy>::new();
    let delete = ServerAction::<DeletePolicy>::new();
    // Re-read (and so reset the form) after a save that took, not after a refused one: a
    // refused form keeps what was typed, with the message beside the field.
    let saved = RwSignal::new(0u32);
    Effect::new(move |_| {
        if let Some(Ok(PolicyOutcome::Saved { .. })) = save.value().get() {
            saved.update(|n| *n += 1);
        }
    });
    let policies = Resource::new(move || (saved.get(), delete.version().get()), |_| list_policies());
    let admin = may(Action::CreateSchedulingPolicy);
    let editing = move || query.with(|q| q.get("edit")).filter(|name| !name.is_empty());
    view! {
        <h1>"Scheduling policies"</h1>
        <p class="hint">
            "A job queue that follows a policy shares its capacity between share identifiers (teams, projects) by weight: "
            "a share with weight 0.5 gets twice the capacity of one with 1.0 while both have jobs waiting. "
            "Attach a policy when creating a queue."
        </p>
        {move || match save.value().get() {
            Some(Ok(PolicyOutcome::Saved { name, created })) => {
                Some(
                    view! {
                        <p class="success" role="status">
                            {if created { "Created policy " } else { "Saved policy " }}
                            <a href=format!("/policies?edit={name}")>{name.clone()}</a>
                        </p>
                    },
                )
            }
            _ => None,
        }}
        {move || error_line(save.value().get())}
        {move || error_line(delete.value().get())}
        <Transition fallback=|| {
            view! { <p>"Loading…"</p> }
        }>
            {move || {
                policies
                    .get()
                    .map(|result| match result {
                        Ok(list) => {
                            let edited = editing().and_then(|name| list.iter().find(|p| p.name == name).cloned());
                            view! {
                                <Show when=move || admin.get()>
                                    <PolicyEditor save editing=edited.clone() />
                                </Show>
                                <PolicyTable list=list.clone() delete admin />
                            }
                                .into_any()
                        }
                        Err(error) => view! { <p class="error">{crate::pages::clean(&error)}</p> }.into_any(),
                    })
            }}
        </Transition>
    }
}

/// The create / edit form: name, window, reservation, and the weights as rows.
#[component]
fn PolicyEditor(save: ServerAction<SavePolicy>, editing: Option<SchedulingPolicyDetail>) -> impl IntoView {
    let (heading, arn, initial) = match &editing {
        Some(policy) => (
            format!("Edit policy {}", policy.name),
            policy.arn.clone(),
            PolicyForm::of(&policy.name, &policy.fairshare_policy.clone().unwrap_or_default()),
        ),
        None => ("New policy".to_string(), String::new(), PolicyForm::default()),
    };
    let is_edit = editing.is_some();
    let first_rows: Vec<(usize, ShareRow)> =
        initial.shares.iter().cloned().chain(std::iter::repeat_n(ShareRow::default(), SPARE_ROWS)).enumerate().collect();
    let next_row = StoredValue::new(first_rows.len());
    let rows = RwSignal::new(first_rows);
    let error_for = move |field: String| {
        move || match save.value().get() {
            Some(Ok(PolicyOutcome::Rejected { field: f, message })) if f == field => Some(view! {
                <span class="field-error" role="alert">
                    {message}
                </span>
            }),
            _ => None,
        }
    };
    view! {
        <h2>{heading}</h2>
        <ActionForm action=save attr:class="policy-form">
            <input type="hidden" name="arn" value=arn />
            <label>
                "Name" <input name="form[name]" value=initial.name.clone() required readonly=is_edit /> {error_for("name".into())}
            </label>
            <label>
                "Usage window (shareDecaySeconds; empty: 600)"
                <input name="form[share_decay_seconds]" inputmode="numeric" value=initial.share_decay_seconds.clone() />
                {error_for("share_decay_seconds".into())}
            </label>
            <label>
                "Reserved for new shares (computeReservation, % 0-99)"
                <input name="form[compute_reservation]" inputmode="numeric" value=initial.compute_reservation.clone() />
                {error_for("compute_reservation".into())}
            </label>
            <table class="grid weights">
                <caption>"Weights: lower gets more (0.5 gets twice what 1.0 gets); a share not listed weighs 1.0"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Share identifier (or prefix*)"</th>
                        <th scope="col">"Weight factor"</th>
                    </tr>
                </thead>
                <tbody>
                    <For each=move || rows.get() key=|(id, _)| *id let:row>
                        {
                            let (id, row) = row;
                            let share_name = format!("form[shares][{id}][share_identifier]");
                            let weight_name = format!("form[shares][{id}][weight_factor]");
                            view! {
                                <tr>
                                    <td data-label="Share identifier (or prefix*)">
                                        <input name=share_name value=row.share_identifier aria-label=format!("Share {}", id + 1) />
                                        {error_for(format!("shares[{id}][share_identifier]"))}
                                    </td>
                                    <td data-label="Weight factor">
                                        <input
                                            name=weight_name
                                            inputmode="decimal"
                                            value=row.weight_factor
                                            aria-label=format!("Weight of share {}", id + 1)
                                        />
                                        {error_for(format!("shares[{id}][weight_factor]"))}
                                    </td>
                                </tr>
                            }
                        }
                    </For>
                </tbody>
            </table>
            <div class="actions-row">
                <button
                    type="button"
                    on:click=move |_| {
                        let id = next_row.get_value();
                        next_row.set_value(id + 1);
                        rows.update(|rows| rows.push((id, ShareRow::default())));
                    }
                >
                    "Add share"
                </button>
                <button type="submit">{if is_edit { "Save policy" } else { "Create policy" }}</button>
                {is_edit.then(|| view! { <a href="/policies">"New policy instead"</a> })}
            </div>
        </ActionForm>
    }
}

#[component]
fn PolicyTable(list: Vec<SchedulingPolicyDetail>, delete: ServerAction<DeletePolicy>, admin: Signal<bool>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="empty">"No scheduling policies yet: every queue runs its jobs first in, first out."</p> }.into_any();
    }
    view! {
        <table class="grid policies">
            <thead>
                <tr>
                    <th>"Name"</th>
                    <th>"Usage window"</th>
                    <th>"Reserved for new shares"</th>
                    <th>"Weights"</th>
                    <th></th>
                </tr>
            </thead>
            <tbody>
                {list
                    .into_iter()
                    .map(|policy| {
                        let fair = policy.fairshare_policy.clone().unwrap_or_default();
                        let weights = if fair.share_distribution.is_empty() {
                            "every share 1.0".to_string()
                        } else {
                            fair.share_distribution
                                .iter()
                                .map(|e| format!("{} {}", e.share_identifier, e.weight_factor.unwrap_or(1.0)))
                                .collect::<Vec<_>>()
                                .join(" · ")
                        };
                        let name = policy.name.clone();
                        let arn = policy.arn.clone();
                        view! {
                            <tr>
                                <td data-label="Name">{name.clone()}</td>
                                <td data-label="Usage window" class="count">
                                    {format!("{} s", fair.decay_seconds())}
                                </td>
                                <td data-label="Reserved for new shares" class="count">
                                    {format!("{}%", fair.compute_reservation.unwrap_or(0))}
                                </td>
                                <td data-label="Weights">{weights}</td>
                                <td data-label="">
                                    {move || {
                                        admin
                                            .get()
                                            .then(|| {
                                                let arn = arn.clone();
                                                view! {
                                                    <a class="button" href=format!("/policies?edit={name}")>
                                                        "Edit"
                                                    </a>
                                                    <crate::pages::Confirm
                                                        label="Delete"
                                                        question=format!(
                                                            "Delete the policy {name}? Queues that follow it must be deleted first.",
                                                        )
                                                    >
                                                        <ActionForm action=delete attr:class="inline-form">
                                                            <input type="hidden" name="arn" value=arn />
                                                            <crate::pages::ReasonField />
                                                            <button type="submit" class="danger">
                                                                "Yes, delete"
                                                            </button>
                                                        </ActionForm>
                                                    </crate::pages::Confirm>
                                                }
                                            })
                                    }}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

use yew::prelude::*;

#[function_component(App)]
pub fn app() -> Html {
    html! { <main id="app"><h1>{ "impnet playground" }</h1></main> }
}

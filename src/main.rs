//! Starts the IKD app in a phone-sized desktop window (or on a phone with `mobile`).

fn main() {
    #[cfg(any(feature = "desktop", feature = "mobile"))]
    {
        use dioxus::desktop::{Config, LogicalSize, WindowBuilder};
        let window = WindowBuilder::new()
            .with_title("IKD — Identitas Kependudukan Digital")
            .with_inner_size(LogicalSize::new(400.0, 760.0));
        let config = Config::new()
            .with_window(window)
            .with_menu(None)
            .with_custom_head(format!("<style>{}</style>", ikd::STYLE));
        dioxus::LaunchBuilder::new()
            .with_cfg(config)
            .launch(ikd::App);
    }
}

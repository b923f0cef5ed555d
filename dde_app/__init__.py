"""The app's state and plumbing (Streamlit): one person's playground session, links, the
frames route, kept widget values, chart helpers. The pages themselves live in app_pages/."""

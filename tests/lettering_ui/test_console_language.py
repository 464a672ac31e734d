"""The lettering console's counts in the reader's language."""


def test_line_count_is_plural_aware(app, client, login, make_user, lines):
    make_user("boss_en", role="admin", locale="en")
    login("boss_en")
    hx = {"HX-Request": "true"}
    assert "1 line<" in client.get("/admin/lettering/lines?q=3005", headers=hx).get_data(as_text=True)
    both = client.get("/admin/lettering/lines", headers=hx).get_data(as_text=True)
    assert "2 lines<" in both
    korean = app.test_client()
    make_user("boss_ko", role="admin")
    login("boss_ko", test_client=korean)
    assert "1개 회선" in korean.get("/admin/lettering/lines?q=3005", headers=hx).get_data(as_text=True)
    assert "2개 회선" in korean.get("/admin/lettering/lines", headers=hx).get_data(as_text=True)

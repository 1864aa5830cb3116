def test_portal_home_renders(portal_client):
    response = portal_client.get("/")
    assert response.status_code == 200
    assert "民生服务室" in response.content.decode()

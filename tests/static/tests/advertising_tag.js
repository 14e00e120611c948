// A test-only advertising tag: sets its cookie, as a real tag would.
document.cookie = "test_ad_id=1; Max-Age=600; Path=/; SameSite=Lax";

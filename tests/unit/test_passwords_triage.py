from agent_console.domain.passwords import hash_password, verify_password
from agent_console.services.reference import load_reference


def test_scrypt_hash_verifies_and_rejects():
    stored = hash_password("demo")
    assert stored.startswith("scrypt$")
    assert verify_password("demo", stored)
    assert not verify_password("Demo", stored)
    assert not verify_password("demo", "garbage")
    assert hash_password("demo") != stored  # salted


def test_triage_spots_emergencies_and_utilities(data_dir):
    triage = load_reference(data_dir).triage
    fire = triage.classify("楼下着火了，好多烟")
    assert fire.is_emergency and "119" in fire.services
    crash = triage.classify("路口发生车祸，有人受伤")
    assert "122" in crash.services
    heat = triage.classify("小区暖气不热，家里只有十几度")
    assert not heat.is_emergency and heat.immediate_dispatch
    assert heat.utilities[0][0] == "供热"
    quiet = triage.classify("想咨询一下公积金提取需要什么材料")
    assert not quiet.is_emergency and not quiet.immediate_dispatch
    assert not triage.classify("").is_emergency


def test_reference_has_every_article_11_and_25_item(data_dir):
    ref = load_reference(data_dir)
    assert [i.code for i in ref.not_accepted] == [1, 2, 3, 4, 5, 6, 7]
    assert [i.code for i in ref.warnings] == [1, 2, 3, 4, 5]
    assert all("第十一条" in i.clause for i in ref.not_accepted)
    # 5 request types × 3 urgencies, and the 3 immediate-dispatch rows (Art. 12)
    assert len(ref.deadlines) == 18
    assert sum(r.immediate for r in ref.deadlines) == 3

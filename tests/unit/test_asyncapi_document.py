from app.asyncapi import main


def test_the_asyncapi_document_holds_the_frame_schemas_the_code_declares() -> None:
    assert main(check=True) == 0

"""appstack: the Pulumi program. All logic lives in appstack.program and components/."""

from appstack.program import main

main()

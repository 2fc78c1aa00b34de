-- 評価不能: a head's judgment (with a reason) that a goal or initiative cannot be judged for
-- causes outside the city's control.
ALTER TABLE initiative_result DROP CONSTRAINT initiative_result_status_override_check;
ALTER TABLE initiative_result ADD CONSTRAINT initiative_result_status_override_check
    CHECK (status_override IN ('achieved', 'partly_achieved', 'not_achieved', 'started', 'not_started', 'unassessable'));
ALTER TABLE goal_result DROP CONSTRAINT goal_result_status_override_check;
ALTER TABLE goal_result ADD CONSTRAINT goal_result_status_override_check
    CHECK (status_override IN ('achieved', 'partly_achieved', 'not_achieved', 'started', 'not_started', 'unassessable'));

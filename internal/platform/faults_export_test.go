package platform

// SetFaultRollForTest makes the platform draw fault probabilities from roll,
// so that a test knows which events fire.
func (p *Platform) SetFaultRollForTest(roll func() float64) { p.faults.roll = roll }

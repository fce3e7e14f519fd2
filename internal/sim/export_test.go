package sim

// Waiting returns how many lanes' reports wait to be joined into a call.
func Waiting(n *Network) int {
	n.jmu.Lock()
	defer n.jmu.Unlock()
	return len(n.jqueue)
}

package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/wabihq/wabi/internal/sqlrow"
)

// list runs a query on the read pool and scans every row.
func list[T any](ctx context.Context, db *reader, scan func(sqlrow.Scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: query: %w", err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: scan: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: query: %w", err)
	}
	return out, nil
}

// where collects the conditions of a list query. Conditions are added only for
// the filters that are set, so that the planner sees plain equalities and can use
// the indexes.
type where struct {
	conds []string
	args  []any
}

// eq adds "col = v" if v is not empty.
func (w *where) eq(col, v string) {
	if v != "" {
		w.add(col+" = ?", v)
	}
}

// add adds a condition with its arguments.
func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// String returns the WHERE clause, or "" if there are no conditions.
func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

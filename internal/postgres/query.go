package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wabihq/wabi/internal/sqlrow"
)

// list runs a query on the pool and scans every row.
func list[T any](ctx context.Context, pool *pgxpool.Pool, scan func(sqlrow.Scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: query: %w", err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: scan: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: query: %w", err)
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

// add adds a condition with its arguments; each ? in cond becomes the
// placeholder of the next argument ($1, $2, ...).
func (w *where) add(cond string, args ...any) {
	for _, a := range args {
		w.args = append(w.args, a)
		cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(w.args)), 1)
	}
	w.conds = append(w.conds, cond)
}

// limit returns a LIMIT clause with n as the argument after the conditions'
// and the arguments to pass.
func (w *where) limit(n int) (string, []any) {
	return " LIMIT $" + strconv.Itoa(len(w.args)+1), append(w.args, n)
}

// String returns the WHERE clause, or "" if there are no conditions.
func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}
